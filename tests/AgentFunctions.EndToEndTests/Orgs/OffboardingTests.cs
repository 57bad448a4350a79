using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>
/// DELETE of an org through the host: refused at once, then its data removed by the queued deletion the local host
/// delivers (<c>org-deletions</c>; visible at once because <c>Orgs__CacheSeconds=0</c>), the other org untouched.
/// Both orgs have something in every store an org can write: conversations, a finished job, a document, a data record,
/// an API key, usage, audit events, a named agent, a remote MCP server and a staged large upload.
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
        var jobs = new Dictionary<string, string>();
        foreach (var (org, key) in new[] { (Leaving, leavingKey), (Staying, stayingKey) })
        {
            jobs[org] = await FinishedJobAsync(org, key);
            using var record = await host.SendAsync(HttpMethod.Put, "api/data/notes/first", org, OrgsHost.Key(key), new { text = $"a note of {org}" });
            Assert.Equal(HttpStatusCode.OK, record.StatusCode);
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

        // A large upload of each org still staged for background ingestion (as the PUT of a large file leaves it).
        var uploads = new BlobContainerClient(host.Azurite.ConnectionString, "knowledge-uploads");
        await uploads.CreateIfNotExistsAsync();
        foreach (var org in new[] { Leaving, Staying })
        {
            await uploads.UploadBlobAsync($"{org}/manual/{Guid.NewGuid():N}", BinaryData.FromString($"the manual of {org}"));
        }

        var snapshotAt = DateTimeOffset.UtcNow;
        var stayingBefore = await SnapshotAsync(Staying, stayingKey, jobs[Staying], snapshotAt);
        Assert.Contains("handbook", stayingBefore, StringComparison.Ordinal);
        Assert.Contains("a note of offboard-staying", stayingBefore, StringComparison.Ordinal);
        Assert.Contains("\"succeeded\"", stayingBefore, StringComparison.Ordinal);
        Assert.Contains("RunAgent", stayingBefore, StringComparison.Ordinal); // audit events of the runs

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
        var goneAt = DateTimeOffset.UtcNow;

        var newKey = await host.RegisterWithKeyAsync(Leaving);
        using (var oldKey = await host.SendAsync(HttpMethod.Get, "api/conversations", Leaving, OrgsHost.Key(leavingKey)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, oldKey.StatusCode);
        }

        Assert.Empty(JsonNode.Parse(await host.GetTextAsync("api/conversations", Leaving, newKey))!["conversations"]!.AsArray());
        Assert.Empty(JsonNode.Parse(await PostTextAsync("api/search", Leaving, newKey, new { query = "handbook" }))!["results"]!.AsArray());
        Assert.Empty(JsonNode.Parse(await host.GetTextAsync("api/documents", Leaving, newKey))!["documents"]!.AsArray());
        Assert.Empty(await BlobNamesAsync(uploads, Leaving));
        Assert.Single(await BlobNamesAsync(uploads, Staying));
        using (var agent = await host.SendAsync(HttpMethod.Get, "api/agents/helper", Leaving, OrgsHost.Key(newKey)))
        {
            Assert.Equal(HttpStatusCode.NotFound, agent.StatusCode);
        }

        using (var job = await host.SendAsync(HttpMethod.Get, $"api/jobs/{jobs[Leaving]}", Leaving, OrgsHost.Key(newKey)))
        {
            Assert.Equal(HttpStatusCode.NotFound, job.StatusCode);
        }

        Assert.Empty(JsonNode.Parse(await host.GetTextAsync("api/data/notes", Leaving, newKey))!["items"]!.AsArray());
        var leavingAudit = JsonNode.Parse(await host.GetTextAsync("api/audit?limit=1000", Leaving, newKey))!["events"]!.AsArray();
        Assert.All(leavingAudit, e => Assert.True(e!["at"]!.GetValue<DateTimeOffset>() >= goneAt.AddSeconds(-1), $"an audit event from before the deletion: {e}"));
        using var usage = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Leaving}/usage", null, OrgsHost.Admin);
        var days = JsonNode.Parse(await usage.Content.ReadAsStringAsync())!["days"]!.AsArray();
        Assert.All(days, d => Assert.Equal(0, d!["totalTokens"]!.GetValue<long>()));
        Assert.Equal(stayingBefore, await SnapshotAsync(Staying, stayingKey, jobs[Staying], snapshotAt));
        using var leavingServer = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Leaving}/mcp-servers/tools", null, OrgsHost.Admin);
        Assert.Equal(HttpStatusCode.NotFound, leavingServer.StatusCode);
        using var stayingServer = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Staying}/mcp-servers/tools", null, OrgsHost.Admin);
        Assert.Equal(HttpStatusCode.OK, stayingServer.StatusCode);
    }

    /// <summary>Submits a job and waits until it succeeded; returns its id.</summary>
    private async Task<string> FinishedJobAsync(string org, string key)
    {
        using var submit = await host.SendAsync(HttpMethod.Post, "api/jobs", org, OrgsHost.Key(key), new { input = $"a job of {org}" });
        Assert.Equal(HttpStatusCode.Accepted, submit.StatusCode);
        var jobId = JsonNode.Parse(await submit.Content.ReadAsStringAsync())!["jobId"]!.GetValue<string>();
        await host.WaitForJobAsync(org, OrgsHost.Key(key), jobId);
        Assert.Equal("succeeded", JsonNode.Parse(await host.GetTextAsync($"api/jobs/{jobId}", org, key))!["status"]!.GetValue<string>());
        return jobId;
    }

    /// <summary>
    /// Everything the staying org can read of its data, as the API returns it (compared byte for byte): conversations and
    /// their messages, search, agents, its job, its data records, its runs' usage and its audit events from before
    /// <paramref name="auditBefore"/> (reading is audited too, so later events are left out).
    /// </summary>
    private async Task<string> SnapshotAsync(string org, string key, string jobId, DateTimeOffset auditBefore)
    {
        var conversations = await host.GetTextAsync("api/conversations", org, key);
        var parts = new List<string> { conversations };
        foreach (var conversation in JsonNode.Parse(conversations)!["conversations"]!.AsArray())
        {
            parts.Add(await host.GetTextAsync($"api/conversations/{conversation!["conversationId"]!.GetValue<string>()}/messages", org, key));
        }

        parts.Add(await PostTextAsync("api/search", org, key, new { query = "handbook" }));
        parts.Add(await host.GetTextAsync("api/agents", org, key));
        parts.Add(await host.GetTextAsync("api/documents", org, key));
        parts.Add(await host.GetTextAsync($"api/jobs/{jobId}", org, key));
        parts.Add(await host.GetTextAsync("api/data/notes", org, key));
        using (var usage = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{org}/usage", null, OrgsHost.Admin))
        {
            // The runs' usage; embedding tokens are left out, as the snapshot's own search adds to them.
            var days = JsonNode.Parse(await usage.Content.ReadAsStringAsync())!["days"]!.AsArray();
            parts.AddRange(days.Select(d => $"{d!["date"]} {d["inputTokens"]} {d["outputTokens"]} {d["runs"]}"));
        }

        var audit = JsonNode.Parse(await host.GetTextAsync("api/audit?limit=1000", org, key))!["events"]!.AsArray();
        parts.AddRange(audit.Where(e => e!["at"]!.GetValue<DateTimeOffset>() < auditBefore).Select(e => e!.ToJsonString()));
        return string.Join('\n', parts);
    }

    private static async Task<List<string>> BlobNamesAsync(BlobContainerClient container, string org)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"{org}/", default))
        {
            names.Add(blob.Name);
        }

        return names;
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
