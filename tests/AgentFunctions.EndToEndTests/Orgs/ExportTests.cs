using System.Net;
using System.Text.Json.Nodes;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>
/// GET /api/export and the operator's GET /api/admin/orgs/{orgId}/export through the real worker: an org with data in
/// every store, parsed line by line (each line also checked against the OpenAPI document), and nothing of another org
/// that uses the very same ids.
/// </summary>
[Collection(OrgsHostGroup.Name)]
public sealed class ExportTests(OrgsHost host)
{
    private const string Exported = "export-mine";
    private const string Other = "export-other";

    [Fact]
    public async Task GetExport_OrgWithDataInEveryStore_EveryRecordTypedOnItsLineNothingOfTheOtherOrg()
    {
        var key = await host.RegisterWithKeyAsync(Exported);
        var otherKey = await host.RegisterWithKeyAsync(Other);
        var conversation = (await host.RunAsync(Exported, key, "first question of mine"))["conversationId"]!.GetValue<string>();
        await host.RunAsync(Exported, key, "second question of mine", conversation);
        await SeedAsync(Exported, key, conversation, "mine");
        await SeedAsync(Other, otherKey, conversation, "theirs");
        using (var other = await host.SendAsync(HttpMethod.Post, "api/agent/run", Other, OrgsHost.Key(otherKey), new { input = "a question of theirs", conversationId = conversation }))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        using var response = await host.SendAsync(HttpMethod.Get, "api/export", Exported, OrgsHost.Key(key));
        var text = await response.Content.ReadAsStringAsync();
        using var operatorResponse = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Exported}/export", null, OrgsHost.Admin);
        var operatorText = await operatorResponse.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        var byType = records.GroupBy(r => r["type"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Select(r => r["value"]!).ToList());
        Assert.Equal(["agent", "audit", "conversation", "dataRecord", "document", "job", "mcpServer", "message", "org"], byType.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("org", records[0]["type"]!.GetValue<string>());
        Assert.Equal(Exported, Assert.Single(byType["org"])["orgId"]!.GetValue<string>());
        Assert.Equal("You help mine.", Assert.Single(byType["agent"])["instructions"]!.GetValue<string>());
        Assert.Equal("tools", Assert.Single(byType["mcpServer"])["name"]!.GetValue<string>());
        // The run's conversation, and the job's once the queued job has run.
        var conversations = byType["conversation"].Select(c => c!["conversationId"]!.GetValue<string>()).ToList();
        Assert.Contains(conversation, conversations);
        Assert.Subset(new HashSet<string> { conversation, conversation + "-job" }, conversations.ToHashSet());
        Assert.Equal(
            ["second question of mine", "first question of mine"],
            byType["message"].Where(m => m!["conversationId"]!.GetValue<string>() == conversation && m["role"]!.GetValue<string>() == "user").Select(m => m!["content"]!.GetValue<string>()));
        var document = Assert.Single(byType["document"]);
        Assert.Equal(("handbook", "mine"), (document["documentId"]!.GetValue<string>(), document["metadata"]!["owner"]!.GetValue<string>()));
        Assert.Contains("The handbook of mine.", document["chunks"]!.AsArray().Select(c => c!.GetValue<string>()).First(), StringComparison.Ordinal);
        var record = Assert.Single(byType["dataRecord"]);
        Assert.Equal(("notes", "n1", "mine"), (record["collection"]!.GetValue<string>(), record["id"]!.GetValue<string>(), record["value"]!["owner"]!.GetValue<string>()));
        Assert.Equal("job for mine", Assert.Single(byType["job"])["input"]!.GetValue<string>());
        Assert.All(byType["audit"], a => Assert.Equal(Exported, a!["orgId"]!.GetValue<string>()));
        // Nothing of the other org, though it uses every one of the same ids.
        Assert.DoesNotContain("theirs", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Other, text, StringComparison.Ordinal);
        // The operator gets the same records (the audit trail may have grown by the export's own access).
        Assert.Equal(HttpStatusCode.OK, operatorResponse.StatusCode);
        Assert.Equal(
            records.Where(r => r["type"]!.GetValue<string>() != "audit").Select(r => r.ToJsonString()),
            operatorText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).Where(r => r["type"]!.GetValue<string>() != "audit").Select(r => r.ToJsonString()));
        Assert.DoesNotContain("theirs", operatorText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrgExport_UnregisteredOrgOrNoAdminKey_404Or401BeforeAnyLine()
    {
        using var unknown = await host.SendAsync(HttpMethod.Get, "api/admin/orgs/export-nobody/export", null, OrgsHost.Admin);
        using var noKey = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{Exported}/export", null, null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("org_not_found", JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    private async Task SeedAsync(string org, string key, string conversation, string owner)
    {
        using (var agent = await host.SendAsync(HttpMethod.Put, "api/agents/helper", org, OrgsHost.Key(key), new { instructions = $"You help {owner}." }))
        {
            Assert.Equal(HttpStatusCode.Created, agent.StatusCode);
        }

        using (var document = await host.SendAsync(HttpMethod.Put, "api/documents/handbook", org, OrgsHost.Key(key), new { title = "Handbook", content = $"The handbook of {owner}.", metadata = new { owner } }))
        {
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        }

        using (var data = await host.SendAsync(HttpMethod.Put, "api/data/notes/n1", org, OrgsHost.Key(key), new { owner }))
        {
            Assert.True(data.IsSuccessStatusCode, $"data: {data.StatusCode}");
        }

        using (var job = await host.SendAsync(HttpMethod.Post, "api/jobs", org, OrgsHost.Key(key), new { input = $"job for {owner}", conversationId = conversation + "-job" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, job.StatusCode);
            // Finished before anything is exported: both exports then read the same job and conversation.
            await host.WaitForJobAsync(org, OrgsHost.Key(key), JsonNode.Parse(await job.Content.ReadAsStringAsync())!["jobId"]!.GetValue<string>());
        }

        using (var server = await host.SendAsync(HttpMethod.Put, $"api/admin/orgs/{org}/mcp-servers/tools", null, OrgsHost.Admin, new { url = "http://127.0.0.1:9/mcp" }))
        {
            Assert.Equal(HttpStatusCode.OK, server.StatusCode);
        }
    }
}
