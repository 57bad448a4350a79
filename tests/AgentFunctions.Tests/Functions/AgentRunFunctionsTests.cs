using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Functions;
using AgentFunctions.Http;
using AgentFunctions.Serialization;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Azure;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Functions;

public sealed class AgentRunFunctionsTests
{
    private static readonly OrgId Org = OrgId.Parse("org-a");
    private static readonly AgentRunResult Result = new("Hello world", "conv-1", new AgentUsage(3, 2), [new Citation("doc-1", "Atlas")]);

    [Fact]
    public async Task RunAgent_AcceptEventStream_WritesDeltaEventsThenDoneWithTheResponseObject()
    {
        var agent = new ScriptedAgent(["Hello", " world"]);
        var http = Request("""{"input":"hi","conversationId":"conv-1"}""", "text/event-stream");

        var action = await Functions(agent).RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default);

        Assert.IsType<EmptyResult>(action);
        Assert.Equal(200, http.Response.StatusCode);
        Assert.Equal("text/event-stream", http.Response.ContentType);
        Assert.Equal(
            "event: delta\ndata: {\"text\":\"Hello\"}\n\n" +
            "event: delta\ndata: {\"text\":\" world\"}\n\n" +
            $"event: done\ndata: {JsonSerializer.Serialize(Result, ApiJson.Options)}\n\n",
            Body(http));
        Assert.Contains("\"usage\":{\"inputTokens\":3,\"outputTokens\":2}", Body(http), StringComparison.Ordinal);
        Assert.Equal((Org, "hi", "conv-1"), (agent.Org, agent.Request!.Input, agent.Request.ConversationId));
    }

    [Fact]
    public async Task RunAgent_StreamFailsAfterFirstDelta_EndsWithErrorEventAndRethrows()
    {
        var agent = new ScriptedAgent(["Hello"], ApiException.ModelUnavailable(502, "broke"));
        var http = Request("""{"input":"hi"}""", "text/event-stream");

        await Assert.ThrowsAsync<ApiException>(() => Functions(agent).RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default));

        var body = Body(http);
        Assert.StartsWith("event: delta\ndata: {\"text\":\"Hello\"}\n\nevent: error\ndata: {", body, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"model_unavailable\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("event: done", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_StorageUnavailableAfterFirstDelta_ErrorEventIsStorageUnavailableLikeAJsonAnswer()
    {
        var agent = new ScriptedAgent(["Hello"], new RequestFailedException(0, "Connection refused"));
        var http = Request("""{"input":"hi"}""", "text/event-stream");

        await Assert.ThrowsAsync<RequestFailedException>(() => Functions(agent).RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default));

        var error = JsonDocument.Parse(Body(http).Split("event: error\ndata: ")[1]).RootElement;
        Assert.Equal(("storage_unavailable", 503), (error.GetProperty("code").GetString(), error.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task RunAgent_ClientDisconnectsMidStream_RunCancelledAndNoErrorEventWritten()
    {
        var disconnect = new CancellationTokenSource();
        var agent = new ScriptedAgent(["Hello", " world"]) { AfterFirstDelta = disconnect.Cancel, WaitForCancellation = true };
        var http = Request("""{"input":"hi"}""", "text/event-stream");
        http.RequestAborted = disconnect.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Functions(agent).RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default));

        Assert.True(agent.Cancelled, "the run did not see the client's disconnect");
        Assert.Equal("event: delta\ndata: {\"text\":\"Hello\"}\n\n", Body(http));
    }

    [Fact]
    public async Task RunAgent_ClientStopsReading_WriteTimesOutAbortsTheConnectionAndCancelsTheRun()
    {
        var agent = new ScriptedAgent(["Hello", " world"]) { WaitForCancellation = true };
        var http = Request("""{"input":"hi"}""", "text/event-stream");
        var lifetime = new AbortRecorder();
        http.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        http.Response.Body = new UnreadStream();
        var functions = new AgentRunFunctions(agent, Options.Create(new StreamingOptions { StreamWriteTimeout = TimeSpan.FromMilliseconds(200) }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => functions.RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(lifetime.Aborted, "the stalled connection was not aborted");
        Assert.True(agent.Cancelled, "the run outlived its stalled stream");
    }

    [Fact]
    public async Task RunAgent_StreamRefusedBeforeOutput_LeavesResponseUnstartedForProblemJson()
    {
        var agent = new ScriptedAgent([], ApiException.ModelUnavailable(503, "no model"));
        var http = Request("""{"input":"hi"}""", "text/event-stream");

        var error = await Assert.ThrowsAsync<ApiException>(() => Functions(agent).RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default));

        Assert.Equal(503, error.Status);
        Assert.Equal(string.Empty, Body(http));
        Assert.Null(http.Response.ContentType);
    }

    [Fact]
    public async Task RunAgent_JsonRequest_ReturnsTheResultObject()
    {
        var agent = new ScriptedAgent([]);
        var http = Request("""{"input":"hi"}""", "application/json");

        var action = await Functions(agent).RunAgent(http.Request, TestFunctionContext.ForOrg(Org), default);

        Assert.Same(Result, Assert.IsType<OkObjectResult>(action).Value);
        Assert.Equal(Org, agent.Org);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public async Task RunAgent_BadJson_Refused400NamingTheBody(string body)
    {
        var agent = new ScriptedAgent([]);

        var error = await Assert.ThrowsAsync<ApiException>(() => Functions(agent).RunAgent(Request(body, null).Request, TestFunctionContext.ForOrg(Org), default));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith("'body'", error.Message, StringComparison.Ordinal);
        Assert.Null(agent.Request);
    }

    [Fact]
    public async Task RunAgent_WrongType_Refused400NamingTheField()
    {
        var agent = new ScriptedAgent([]);

        var error = await Assert.ThrowsAsync<ApiException>(() => Functions(agent).RunAgent(Request("{\"input\": 5}", null).Request, TestFunctionContext.ForOrg(Org), default));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith("'input'", error.Message, StringComparison.Ordinal);
        Assert.Null(agent.Request);
    }

    [Fact]
    public async Task RunAgent_MissingInput_Refused400NamingInput()
    {
        var agent = new ScriptedAgent([]);

        var error = await Assert.ThrowsAsync<ApiException>(() => Functions(agent).RunAgent(Request("{}", null).Request, TestFunctionContext.ForOrg(Org), default));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith("'input'", error.Message, StringComparison.Ordinal);
        Assert.Null(agent.Request);
    }

    private static DefaultHttpContext Request(string body, string? accept)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.ContentType = "application/json";
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        if (accept is not null)
        {
            http.Request.Headers.Accept = accept;
        }

        http.Response.Body = new MemoryStream();
        return http;
    }

    private static AgentRunFunctions Functions(IAgent agent) => new(agent, Options.Create(new StreamingOptions()));

    private static string Body(DefaultHttpContext http) => Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());

    private sealed class ScriptedAgent(string[] deltas, Exception? failure = null) : IAgent
    {
        public OrgId? Org { get; private set; }

        public AgentRunRequest? Request { get; private set; }

        public Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken)
        {
            (Org, Request) = (orgId, request);
            return Task.FromResult(Result);
        }

        public Task<AgentRunResult> RunNewTurnAsync(OrgId orgId, AgentRunRequest request, string turnId, bool newConversation, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Only jobs run new turns.");

        /// <summary>Called once the first delta was taken.</summary>
        public Action? AfterFirstDelta { get; init; }

        /// <summary>After the first delta, wait until the run is cancelled (a model still answering).</summary>
        public bool WaitForCancellation { get; init; }

        /// <summary>The stream ended (or was disposed) with its token cancelled.</summary>
        public bool Cancelled { get; private set; }

        public async IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(OrgId orgId, AgentRunRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            (Org, Request) = (orgId, request);
            try
            {
                foreach (var delta in deltas)
                {
                    await Task.Yield();
                    yield return new AgentStreamUpdate(delta, null);
                    AfterFirstDelta?.Invoke();
                    if (WaitForCancellation)
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                    }
                }
            }
            finally
            {
                // Ended (also when disposed while waiting at a yield) with the run's token cancelled.
                Cancelled = cancellationToken.IsCancellationRequested;
            }

            if (failure is not null)
            {
                throw failure;
            }

            yield return new AgentStreamUpdate(null, Result);
        }
    }

    /// <summary>A response body whose client never reads: every write waits until it is cancelled.</summary>
    private sealed class UnreadStream : MemoryStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await Task.Delay(Timeout.Infinite, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class AbortRecorder : IHttpRequestLifetimeFeature
    {
        public CancellationToken RequestAborted { get; set; }

        public bool Aborted { get; private set; }

        public void Abort() => Aborted = true;
    }
}
