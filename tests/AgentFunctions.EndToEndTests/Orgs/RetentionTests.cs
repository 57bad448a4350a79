using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>
/// Conversation retention through the real worker: past the org's retention a conversation is 404, before any sweep;
/// the retention sweep's timer (every two seconds in this host) then deletes it from storage and audits that.
/// </summary>
[Collection(OrgsHostGroup.Name)]
public sealed class RetentionTests(OrgsHost host)
{
    [Fact]
    public async Task GetMessages_ConversationIdlePastOrgRetention_404NotFound()
    {
        const string org = "retention-e2e";
        var key = await host.RegisterWithKeyAsync(org, new { displayName = "Retention", retention = new { conversations = "PT3S" } });
        var run = await host.RunAsync(org, key, "a question that will expire");
        var path = $"api/conversations/{run["conversationId"]!.GetValue<string>()}/messages";
        using (var view = await host.SendAsync(HttpMethod.Get, $"api/admin/orgs/{org}", null, OrgsHost.Admin))
        {
            Assert.Equal("PT3S", JsonNode.Parse(await view.Content.ReadAsStringAsync())!["retention"]!["conversations"]!.GetValue<string>());
        }

        using (var fresh = await host.SendAsync(HttpMethod.Get, path, org, OrgsHost.Key(key)))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        using var expired = await host.SendAsync(HttpMethod.Get, path, org, OrgsHost.Key(key));
        using var continued = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key),
            new { input = "and again", conversationId = run["conversationId"]!.GetValue<string>() });

        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal("not_found", JsonNode.Parse(await expired.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        // Expired and not yet swept: 404. Once the sweep (every two seconds here) has deleted it, the id is free and the
        // run starts a new conversation that carries nothing of the old one.
        if (continued.StatusCode != HttpStatusCode.NotFound)
        {
            Assert.Equal(HttpStatusCode.OK, continued.StatusCode);
            using var restarted = await host.SendAsync(HttpMethod.Get, path, org, OrgsHost.Key(key));
            var messages = JsonNode.Parse(await restarted.Content.ReadAsStringAsync())!["messages"]!.AsArray();
            Assert.Equal(["and again"], messages.Where(m => m!["role"]!.GetValue<string>() == "user").Select(m => m!["content"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task RetentionSweepTimer_ConversationPastRetention_DeletedFromStorageAndAuditedOtherOrgKept()
    {
        const string org = "retention-sweep-e2e";
        const string other = "retention-sweep-keep";
        var key = await host.RegisterWithKeyAsync(org, new { displayName = "Swept", retention = new { conversations = "PT2S" } });
        var otherKey = await host.RegisterWithKeyAsync(other, new { displayName = "Kept" });
        var conversation = (await host.RunAsync(org, key, "a question to forget"))["conversationId"]!.GetValue<string>();
        using (var run = await host.SendAsync(HttpMethod.Post, "api/agent/run", other, OrgsHost.Key(otherKey), new { input = "a question to keep", conversationId = conversation }))
        {
            Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        }

        var table = new TableClient(host.Azurite.ConnectionString, "Conversations");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        int left;
        do
        {
            await Task.Delay(500);
            left = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {org}"), select: ["RowKey"]).CountAsync();
        }
        while (left > 0 && DateTime.UtcNow < deadline);
        using var audit = await host.SendAsync(HttpMethod.Get, "api/audit", org, OrgsHost.Key(key));
        var events = JsonNode.Parse(await audit.Content.ReadAsStringAsync())!["events"]!.AsArray();

        Assert.Equal(0, left);
        Assert.Contains(events, e => e!["principal"]!.GetValue<string>() == "retention-sweep"
            && e["function"]!.GetValue<string>() == "RetentionSweepTimer"
            && e["action"]!.GetValue<string>() == "retention: deleted 1 idle conversations");
        // The other org's conversation under the same id is still there, whole.
        using var kept = await host.SendAsync(HttpMethod.Get, $"api/conversations/{conversation}/messages", other, OrgsHost.Key(otherKey));
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(2, JsonNode.Parse(await kept.Content.ReadAsStringAsync())!["messages"]!.AsArray().Count);
    }
}
