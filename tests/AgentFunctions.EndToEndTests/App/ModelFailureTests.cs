using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>A model endpoint that fails beyond the retries (2 here): 502/503 <c>model_unavailable</c>, and no turn is stored.</summary>
[Collection(MultitenantAppGroup.Name)]
public sealed class ModelFailureTests(MultitenantAppHost host) : IAsyncLifetime
{
    private const string Org = "flaky";

    public Task InitializeAsync() => host.RegisterOrgAsync(Org);

    public Task DisposeAsync()
    {
        host.Model!.Reset();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(500, 502)]
    [InlineData(429, 503)]
    public async Task RunAgent_ModelFailsBeyondRetries_ModelUnavailableAndTheTurnIsNotStored(int modelStatus, int expected)
    {
        var conversationId = await FirstTurnAsync();
        var before = host.Model!.ChatRequests.Count;
        host.Model.Enqueue(OpenAiScript.Fault(modelStatus), OpenAiScript.Fault(modelStatus), OpenAiScript.Fault(modelStatus));

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", Org, new { input = "second turn", conversationId });
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, expected, "model_unavailable");
        Assert.Equal(3, host.Model.ChatRequests.Count - before); // the first attempt and two retries
        Assert.Equal(["first turn", "Echo: first turn"], await MessagesAsync(conversationId));
    }

    [Fact]
    public async Task RunAgent_ModelFailsBeyondRetriesWhileStreaming_ProblemResponseAndNothingStored()
    {
        var conversationId = await FirstTurnAsync();
        host.Model!.Enqueue(OpenAiScript.Fault(500), OpenAiScript.Fault(500), OpenAiScript.Fault(500));

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", Org, new { input = "second turn", conversationId }, stream: true);
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 502, "model_unavailable");
        Assert.Equal(["first turn", "Echo: first turn"], await MessagesAsync(conversationId));
    }

    [Fact]
    public async Task RunAgent_ModelEndpointDown_503ModelUnavailableAndNothingStored()
    {
        // This org's own endpoint: a loopback port nobody listens on.
        using var nothingListening = new RefusedPort();
        await host.RegisterOrgAsync("unreachable", new { displayName = "Unreachable", model = new { deployment = "m", endpoint = $"http://127.0.0.1:{nothingListening.Port}/v1/" } });
        var before = host.Model!.Requests.Count;

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", "unreachable", new { input = "anyone there?" });
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 503, "model_unavailable");
        Assert.Equal(before, host.Model.Requests.Count);
        Assert.Empty(await host.ConversationRowsAsync("unreachable"));
    }

    private async Task<string> FirstTurnAsync() => (await host.RunAgentOkAsync(Org, "first turn")).ConversationId;

    private async Task<string[]> MessagesAsync(string conversationId) =>
        [.. (await host.MessagesAsync(Org, conversationId)).Select(m => m.Content!)];
}
