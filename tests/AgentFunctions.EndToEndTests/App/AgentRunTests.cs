using System.Net;
using System.Text.Json;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>Agent runs and the conversation API through the local host and the real worker, against the test model server.</summary>
[Collection(MultitenantAppGroup.Name)]
public sealed class AgentRunTests(MultitenantAppHost host) : IAsyncLifetime
{
    private const string Acme = "acme";
    private const string Globex = "globex";

    public async Task InitializeAsync()
    {
        await host.RegisterOrgAsync(Acme);
        await host.RegisterOrgAsync(Globex);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAgent_NewConversation_ReturnsTheApiShapeAndCallsTheModelOnce()
    {
        var before = host.Model!.ChatRequests.Count;

        using var response = await host.RunAgentAsync(Acme, "What is the capital of France?");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var result = body.RootElement;
        Assert.Equal(["agent", "citations", "conversationId", "output", "text", "usage"], result.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Echo: What is the capital of France?", result.GetProperty("output").GetString());
        Assert.Matches("^[a-z0-9][a-z0-9_-]*$", result.GetProperty("conversationId").GetString());
        var model = Assert.Single(host.Model.ChatRequests.Skip(before));
        Assert.Equal(model.Messages.Sum(m => m.Content?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length ?? 0), result.GetProperty("usage").GetProperty("inputTokens").GetInt64());
        Assert.Equal(7, result.GetProperty("usage").GetProperty("outputTokens").GetInt64()); // words of "Echo: What is the capital of France?"
        Assert.Equal(JsonValueKind.Array, result.GetProperty("citations").ValueKind);
        Assert.Equal(AgentAppHost.ChatModel, model.Model);
        Assert.Equal("What is the capital of France?", model.LastUserMessage);
        Assert.Equal("system", model.Messages[0].Role);
    }

    [Fact]
    public async Task RunAgent_SecondTurn_ModelRequestCarriesTheFirstTurn()
    {
        var first = await host.RunAgentOkAsync(Acme, "My name is Ada.");
        var before = host.Model!.ChatRequests.Count;

        var second = await host.RunAgentOkAsync(Acme, "What is my name?", first.ConversationId);

        Assert.Equal(first.ConversationId, second.ConversationId);
        var model = Assert.Single(host.Model.ChatRequests.Skip(before));
        Assert.Equal(
            [("user", "My name is Ada."), ("assistant", "Echo: My name is Ada."), ("user", "What is my name?")],
            model.Messages.Where(m => m.Role != "system").Select(m => (m.Role, m.Content)).ToArray());
    }

    [Fact]
    public async Task Conversations_ListMessagesDelete_ThroughTheHost()
    {
        var first = await host.RunAgentOkAsync(Acme, "one");
        await host.RunAgentOkAsync(Acme, "two", first.ConversationId);

        var listed = await host.GetOkAsync(Acme, "api/conversations?limit=100");
        var messages = await host.MessagesAsync(Acme, first.ConversationId);
        using var delete = AgentAppHost.Request(HttpMethod.Delete, $"api/conversations/{first.ConversationId}", Acme);
        using var deleted = await host.Client.SendAsync(delete);
        using var afterRequest = AgentAppHost.Request(HttpMethod.Get, $"api/conversations/{first.ConversationId}/messages", Acme);
        var (after, afterBody) = await host.SendJsonAsync(afterRequest);
        var listedAfter = await host.ConversationIdsAsync(Acme);

        var item = listed.GetProperty("conversations").EnumerateArray().Single(c => c.GetProperty("conversationId").GetString() == first.ConversationId);
        Assert.Equal(4, item.GetProperty("messageCount").GetInt64());
        Assert.Equal([("user", "one"), ("assistant", "Echo: one"), ("user", "two"), ("assistant", "Echo: two")], messages);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        ProblemAssert.Is(after, afterBody, 404, "not_found");
        Assert.DoesNotContain(first.ConversationId, listedAfter);
        Assert.DoesNotContain(await host.ConversationRowsAsync(Acme), r => r.StartsWith(first.ConversationId + "|", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Conversations_AnotherOrgsConversation_404ExactlyLikeAMissingOne()
    {
        var acme = await host.RunAgentOkAsync(Acme, "acme secret plan");
        var missing = $"missing{Guid.NewGuid():N}"[..20];

        var foreignMessages = await ProblemAsync(HttpMethod.Get, $"api/conversations/{acme.ConversationId}/messages", Globex);
        var missingMessages = await ProblemAsync(HttpMethod.Get, $"api/conversations/{missing}/messages", Globex);
        var foreignDelete = await ProblemAsync(HttpMethod.Delete, $"api/conversations/{acme.ConversationId}", Globex);
        var missingDelete = await ProblemAsync(HttpMethod.Delete, $"api/conversations/{missing}", Globex);
        var globexList = await host.ConversationIdsAsync(Globex);

        Assert.Equal(404, foreignMessages.Status);
        Assert.Equal(missingMessages.Body.Replace(missing, "ID", StringComparison.Ordinal), foreignMessages.Body.Replace(acme.ConversationId, "ID", StringComparison.Ordinal));
        Assert.Equal(404, foreignDelete.Status);
        Assert.Equal(missingDelete.Body.Replace(missing, "ID", StringComparison.Ordinal), foreignDelete.Body.Replace(acme.ConversationId, "ID", StringComparison.Ordinal));
        Assert.DoesNotContain(acme.ConversationId, globexList);
        Assert.Equal(2, (await host.MessagesAsync(Acme, acme.ConversationId)).Length);
    }

    [Fact]
    public async Task RunAgent_ContinuingAnotherOrgsConversationId_SeesNothingOfIt()
    {
        var acme = await host.RunAgentOkAsync(Acme, "acme secret plan");
        var before = host.Model!.ChatRequests.Count;

        using var response = await host.RunAgentAsync(Globex, "what was said before?", acme.ConversationId);

        var model = host.Model.ChatRequests.Skip(before).ToList();
        Assert.All(model, m => Assert.DoesNotContain(m.Messages, x => x.Content?.Contains("secret plan", StringComparison.Ordinal) == true));
        Assert.Equal([("user", "acme secret plan"), ("assistant", "Echo: acme secret plan")], await host.MessagesAsync(Acme, acme.ConversationId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // globex's own conversation of that id, from scratch
        var globexRequest = Assert.Single(model);
        Assert.Equal(["system", "user"], globexRequest.Messages.Select(m => m.Role).Distinct());
        Assert.Equal([("user", "what was said before?"), ("assistant", "Echo: what was said before?")], await host.MessagesAsync(Globex, acme.ConversationId));
    }

    private async Task<(int Status, string Body)> ProblemAsync(HttpMethod method, string path, string orgId)
    {
        using var request = AgentAppHost.Request(method, path, orgId);
        var (response, body) = await host.SendJsonAsync(request);
        ProblemAssert.Is(response, body, (int)response.StatusCode, body.GetProperty("code").GetString()!);
        return ((int)response.StatusCode, ProblemAssert.WithoutTraceId(body));
    }
}
