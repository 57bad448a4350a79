using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>
/// DELETE of an org through the host: refused at once, then its data removed by the queued deletion the local host
/// delivers (<c>org-deletions</c>; visible at once because <c>Orgs__CacheSeconds=0</c>), the other org untouched.
/// </summary>
[Collection(OrgsHostGroup.Name)]
public sealed class OffboardingTests(OrgsHost host)
{
    private const string Leaving = "offboard-leaving";
    private const string Staying = "offboard-staying";

    [Fact]
    public async Task DeleteOrg_OrgWithData_ItsDataGoneOtherOrgIntactReRegisteredStartsEmpty()
    {
        var leavingKey = await host.RegisterWithKeyAsync(Leaving);
        var stayingKey = await host.RegisterWithKeyAsync(Staying);
        foreach (var (org, key) in new[] { (Leaving, leavingKey), (Staying, stayingKey) })
        {
            var conversation = (await host.RunAsync(org, key, $"remember {org}"))["conversationId"]!.GetValue<string>();
            await host.RunAsync(org, key, "and a second turn", conversation);
            using var document = await host.SendAsync(HttpMethod.Put, "api/documents/handbook", org, OrgsHost.Key(key), new { title = "Handbook", content = $"The handbook of {org}." });
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
            using var agent = await host.SendAsync(HttpMethod.Put, "api/agents/helper", org, OrgsHost.Key(key), new { instructions = $"You help {org}." });
            Assert.Equal(HttpStatusCode.Created, agent.StatusCode);
        }

        foreach (var org in new[] { Leaving, Staying })
        {
            using var server = await host.SendAsync(HttpMethod.Put, $"api/admin/orgs/{org}/mcp-servers/tools", null, OrgsHost.Admin, new { url = "http://127.0.0.1:9/mcp" });
            Assert.Equal(HttpStatusCode.OK, server.StatusCode);
        }

        var stayingBefore = await SnapshotAsync(Staying, stayingKey);
        Assert.Contains("handbook", stayingBefore, StringComparison.Ordinal);

        using (var delete = await host.SendAsync(HttpMethod.Delete, $"api/admin/orgs/{Leaving}", null, OrgsHost.Admin))
        {
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }

        // Refused at once, while its data is still being removed.
        using (var refused = await host.SendAsync(HttpMethod.Get, "api/conversations", Leaving, OrgsHost.Key(leavingKey)))
        {
            Assert.True(refused.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.NotFound, $"{refused.StatusCode}");
        }

        await WaitUntilGoneAsync(Leaving);

        var newKey = await host.RegisterWithKeyAsync(Leaving);
        using (var oldKey = await host.SendAsync(HttpMethod.Get, "api/conversations", Leaving, OrgsHost.Key(leavingKey)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, oldKey.StatusCode);
        }

        Assert.Empty(JsonNode.Parse(await host.GetTextAsync("api/conversations", Leaving, newKey))!["conversations"]!.AsArray());
        Assert.Empty(JsonNode.Parse(await PostTextAsync("api/search", Leaving, newKey, new { query = "handbook" }))!["results"]!.AsArray());
        using (var agent = await host.SendAsync(HttpMethod.Get, "api/agents/helper", Leaving, OrgsHost.Key(newKey)))
        {
            Assert.Equal(HttpStatusCode.NotFound, agent.StatusCode);
        }

        var usage = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Leaving}/usage", null, OrgsHost.Admin);
        var days = JsonNode.Parse(await usage.Content.ReadAsStringAsync())!["days"]!.AsArray();
        Assert.All(days, d => Assert.Equal(0, d!["totalTokens"]!.GetValue<long>()));
        Assert.Equal(stayingBefore, await SnapshotAsync(Staying, stayingKey));
        using var leavingServer = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Leaving}/mcp-servers/tools", null, OrgsHost.Admin);
        Assert.Equal(HttpStatusCode.NotFound, leavingServer.StatusCode);
        using var stayingServer = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Staying}/mcp-servers/tools", null, OrgsHost.Admin);
        Assert.Equal(HttpStatusCode.OK, stayingServer.StatusCode);
    }

    /// <summary>Everything the staying org can read of its data, as the API returns it (compared byte for byte).</summary>
    private async Task<string> SnapshotAsync(string org, string key)
    {
        var conversations = await host.GetTextAsync("api/conversations", org, key);
        var parts = new List<string> { conversations };
        foreach (var conversation in JsonNode.Parse(conversations)!["conversations"]!.AsArray())
        {
            parts.Add(await host.GetTextAsync($"api/conversations/{conversation!["conversationId"]!.GetValue<string>()}/messages", org, key));
        }

        parts.Add(await PostTextAsync("api/search", org, key, new { query = "handbook" }));
        parts.Add(await host.GetTextAsync("api/agents", org, key));
        return string.Join('\n', parts);
    }

    private async Task<string> PostTextAsync(string path, string org, string key, object body)
    {
        using var response = await host.SendAsync(HttpMethod.Post, path, org, OrgsHost.Key(key), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} for {org}: {(int)response.StatusCode} {text}");
        return text;
    }

    /// <summary>The deletion's last step removes the registry row: then the admin API answers 404.</summary>
    private async Task WaitUntilGoneAsync(string org)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{org}", null, OrgsHost.Admin);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{org} was not deleted within 60 s; last answer {(int)response.StatusCode}.\n{host.Output[^Math.Min(host.Output.Length, 4000)..]}");
            await Task.Delay(250);
        }
    }
}
