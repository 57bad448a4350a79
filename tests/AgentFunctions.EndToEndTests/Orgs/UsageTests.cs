using System.Net;
using System.Text.Json.Nodes;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary><c>GET /api/usage</c> through the real worker: the caller's org's own usage, attributed to agent and principal.</summary>
[Collection(OrgsHostGroup.Name)]
public sealed class UsageTests(OrgsHost host)
{
    [Fact]
    public async Task GetUsage_RunsOfTwoKeysAndAnotherOrg_GroupsOnlyThisOrgsTokensByPrincipalAndKind()
    {
        const string org = "usage-e2e";
        var first = await host.RegisterWithKeyAsync(org);
        var second = await host.CreateKeyAsync(org);
        var otherKey = await host.RegisterWithKeyAsync("usage-e2e-other");
        // With knowledge in the org, each run's retrieval embeds its input.
        using (var upload = await host.SendAsync(HttpMethod.Put, "api/documents/handbook", org, OrgsHost.Key(first), new { title = "Handbook", content = "Usage is metered per principal." }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, upload.StatusCode);
        }

        var a = await host.RunAsync(org, first, "first key asks");
        var b = await host.RunAsync(org, second, "second key asks");
        await host.RunAsync("usage-e2e-other", otherKey, "the other org asks a great deal more than this org does");

        var byPrincipal = JsonNode.Parse(await host.GetTextAsync("api/usage?groupBy=principal", org, first))!;
        var byKind = JsonNode.Parse(await host.GetTextAsync("api/usage?groupBy=kind", org, first))!;
        var byAgent = JsonNode.Parse(await host.GetTextAsync("api/usage?groupBy=agent", org, second))!;

        var principals = byPrincipal["groups"]!.AsArray().Select(g => g!).ToList();
        Assert.Equal(2, principals.Count);
        Assert.All(principals, g => Assert.StartsWith("key:", g["key"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(
            new[] { Total(a), Total(b) }.Order(),
            principals.Select(g => g["chatInputTokens"]!.GetValue<long>() + g["chatOutputTokens"]!.GetValue<long>()).Order());
        // The upload (first key) and each run's retrieval embed: metered as embedding tokens of the principal that caused them.
        Assert.All(principals, g => Assert.True(g["embeddingTokens"]!.GetValue<long>() > 0));
        var input = byKind["groups"]!.AsArray().Single(g => g!["key"]!.GetValue<string>() == "chat_input")!;
        Assert.Equal(Tokens(a, "inputTokens") + Tokens(b, "inputTokens"), input["chatInputTokens"]!.GetValue<long>());
        var agents = byAgent["groups"]!.AsArray().ToDictionary(g => g!["key"]!.GetValue<string>(), g => g!);
        Assert.Equal(["-", "default"], agents.Keys.Order());
        Assert.Equal(2L, agents["default"]["runs"]!.GetValue<long>());
        Assert.Equal(0L, agents["-"]["chatInputTokens"]!.GetValue<long>());
    }

    [Fact]
    public async Task GetUsage_UnknownGroupBy_400NamingIt()
    {
        const string org = "usage-e2e-bad";
        var key = await host.RegisterWithKeyAsync(org);

        using var response = await host.SendAsync(HttpMethod.Get, "api/usage?groupBy=month", org, OrgsHost.Key(key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_request", problem["code"]!.GetValue<string>());
        Assert.StartsWith("'groupBy'", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static long Tokens(JsonObject run, string name) => run["usage"]![name]!.GetValue<long>();

    private static long Total(JsonObject run) => Tokens(run, "inputTokens") + Tokens(run, "outputTokens");
}
