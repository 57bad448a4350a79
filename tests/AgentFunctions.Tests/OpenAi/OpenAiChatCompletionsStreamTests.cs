using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.OpenAi;
using AgentFunctions.Tenancy;
using Azure;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Tests.OpenAi;

public sealed class OpenAiChatCompletionsStreamTests
{
    private static readonly OrgId Org = OrgId.Parse("org-a");

    [Theory]
    [InlineData(0)]
    [InlineData(503)]
    public async Task StreamAsync_StorageUnavailableAfterFirstChunk_ErrorEventCarriesStorageUnavailableThenRethrows(int status)
    {
        var chat = new OpenAiChatCompletions(new FailingAgent(new RequestFailedException(status, "storage down")), new OpenAiModels(null!), TimeProvider.System);
        var request = ChatCompletionRequest.Parse(JsonDocument.Parse("""{"model":"default","stream":true,"messages":[{"role":"user","content":"hi"}]}""").RootElement);
        var events = new List<OpenAiEvent>();

        await Assert.ThrowsAsync<RequestFailedException>(async () =>
        {
            await foreach (var item in chat.StreamAsync(Org, request, "trace-1", CancellationToken.None))
            {
                events.Add(item);
            }
        });

        Assert.IsType<ChatCompletionChunk>(events[0].Data);
        var error = Assert.IsType<OpenAiError>(events[^1].Data).Error;
        Assert.Equal(("storage_unavailable", "server_error"), (error.Code, error.Type));
    }

    [Fact]
    public async Task StreamAsync_CancelledMidStream_NoErrorEvent()
    {
        using var cancel = new CancellationTokenSource();
        var chat = new OpenAiChatCompletions(new FailingAgent(null, cancel), new OpenAiModels(null!), TimeProvider.System);
        var request = ChatCompletionRequest.Parse(JsonDocument.Parse("""{"model":"default","stream":true,"messages":[{"role":"user","content":"hi"}]}""").RootElement);
        var events = new List<OpenAiEvent>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in chat.StreamAsync(Org, request, "trace-1", cancel.Token))
            {
                events.Add(item);
            }
        });

        Assert.IsType<ChatCompletionChunk>(Assert.Single(events).Data);
    }

    /// <summary>One delta, then the failure (or, without one, cancels <c>cancel</c> and waits for it).</summary>
    private sealed class FailingAgent(Exception? failure, CancellationTokenSource? cancel = null) : IChatAgent
    {
        public Task<AgentCompletion> CompleteAsync(OrgId orgId, AgentCall request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public async IAsyncEnumerable<AgentCompletionUpdate> CompleteStreamingAsync(OrgId orgId, AgentCall request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new AgentCompletionUpdate("Hello", null);
            if (failure is not null)
            {
                throw failure;
            }

            await cancel!.CancelAsync();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield return new AgentCompletionUpdate(null, new AgentCompletion("Hello", [], new AgentUsage(1, 1), [], ChatFinishReason.Stop, Stored: false));
        }
    }
}
