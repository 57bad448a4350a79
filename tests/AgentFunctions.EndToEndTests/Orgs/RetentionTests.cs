using System.Net;
using System.Text.Json.Nodes;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>Conversation retention through the real worker: past the org's retention a conversation is 404, before any sweep.</summary>
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
        Assert.Equal(HttpStatusCode.NotFound, continued.StatusCode);
    }
}
