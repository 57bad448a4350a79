using System.ClientModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;
using OpenAI.Chat;
using OpenAI.Responses;

namespace AgentFunctions.EndToEndTests.OpenAi;

/// <summary>
/// Streamed answers whose client goes away, reads too slowly, or whose storage fails mid-stream, through the local host
/// and the real worker, on every streaming route (<c>/api/agent/run</c> events, Chat Completions and Responses with the
/// official OpenAI client): the run ends promptly (the model's stream is cut: the test model server sees its client
/// leave before the end), the tokens streamed are metered to the org, no turn or response is stored, and a storage
/// outage is reported as <c>storage_unavailable</c> like on a JSON answer.
/// </summary>
public sealed class StreamingFaultTests(StreamingFaultHost host) : IClassFixture<StreamingFaultHost>, IAsyncLifetime
{
    /// <summary>How soon the worker must cut the model's stream once the client left; the rest of the answer takes far longer.</summary>
    private static readonly TimeSpan CutBound = TimeSpan.FromSeconds(15);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        host.TableProxy.Mode = StorageProxyMode.Forward;
        host.Model.StreamChunkDelay = TimeSpan.Zero;
        host.Model.Reset();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RunAgentStream_ClientDisconnectsAfterFirstDeltas_ModelStreamCutUsageMeteredNoTurnStored()
    {
        var (org, key) = await NewOrgAsync("sse-gone");
        var call = SlowLongAnswer("tell me a long story");
        using var client = RawClient();
        using var request = RunRequest(key, "tell me a long story");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (var deltas = 0; deltas < 3;)
        {
            var next = await NextEventAsync(reader) ?? throw new InvalidOperationException("the stream ended early");
            deltas += next.Name == "delta" ? 1 : 0;
        }

        response.Dispose(); // the client goes away
        var clock = Stopwatch.StartNew();

        await AssertRunEndedAsync(await call, clock, org, key);
    }

    [Fact]
    public async Task CompleteChatStreaming_ClientCancelsAfterFirstChunks_ModelStreamCutAndUsageMetered()
    {
        var (org, key) = await NewOrgAsync("chat-gone");
        var call = SlowLongAnswer("tell me a long story");
        var chat = host.OpenAi(key).GetChatClient("default");
        using var cancel = new CancellationTokenSource();
        var chunks = 0;
        var clock = new Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("tell me a long story")], cancellationToken: cancel.Token))
            {
                if (update.ContentUpdate.Count > 0 && ++chunks == 3)
                {
                    clock.Start();
                    await cancel.CancelAsync(); // the user pressed stop
                }
            }
        });

        await AssertRunEndedAsync(await call, clock, org, key);
    }

    [Fact]
    public async Task CreateResponseStreaming_ClientCancelsAfterFirstDeltas_ModelStreamCutUsageMeteredNothingStored()
    {
        var (org, key) = await NewOrgAsync("responses-gone");
        var call = SlowLongAnswer("tell me a long story");
#pragma warning disable OPENAI001 // The Responses client is marked experimental in the SDK.
        var responses = host.OpenAi(key).GetResponsesClient();
        var options = new CreateResponseOptions("default", [ResponseItem.CreateUserMessageItem("tell me a long story")]) { StreamingEnabled = true };
        using var cancel = new CancellationTokenSource();
        string? responseId = null;
        var deltas = 0;
        var clock = new Stopwatch();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in await responses.CreateResponseStreamingAsync(options, cancel.Token))
            {
                responseId ??= (update as StreamingResponseCreatedUpdate)?.Response.Id;
                if (update is StreamingResponseOutputTextDeltaUpdate && ++deltas == 3)
                {
                    clock.Start();
                    await cancel.CancelAsync();
                }
            }
        });
#pragma warning restore OPENAI001

        await AssertRunEndedAsync(await call, clock, org, key);
        Assert.NotNull(responseId);
        var (stored, _) = await host.SendAsync(HttpMethod.Get, $"api/v1/responses/{responseId}", key);
        Assert.Equal(404, (int)stored.StatusCode);
        Assert.Empty(await host.RowsAsync("Responses", org));
    }

    [Fact]
    public async Task RunAgentStream_ClientReadsTooSlowly_StreamCutAfterTheWriteTimeoutUsageMeteredNoTurnStored()
    {
        var (org, key) = await NewOrgAsync("sse-slow");

        // A long answer sent as fast as the worker takes it: more than every buffer between the model server and the client holds.
        // 200 MB in 16 KB pieces: loopback buffers autotune to megabytes at every hop, and they must not hold it all.
        const string Input = "tell me everything";
        host.Model.EnqueueFor(Input, OpenAiScript.RepeatedReply(string.Concat(Enumerable.Repeat("lorem ", 16 * 1024 / 6)), 12_800));
        using var client = RawClient();
        using var request = RunRequest(key, Input);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        // Reads a kilobyte every half second: far slower than the stream is written.
        var buffer = new byte[1024];
        var clock = Stopwatch.StartNew();
        Task<bool>? cut = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            cut ??= host.Model.ChatRequests.FirstOrDefault(r => r.LastUserMessage == Input)?.StreamAbandoned;
            if (cut?.IsCompleted == true)
            {
                break;
            }

            await Task.Delay(500);
            try
            {
                if (await body.ReadAsync(buffer) == 0)
                {
                    break;
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                break; // the server cut the connection
            }
        }

        Assert.NotNull(cut);
        Assert.True(
            await cut.WaitAsync(TimeSpan.FromSeconds(30)),
            $"the model's stream ran to its end although nobody read the answer (chat requests: {string.Join(", ", host.Model.ChatRequests.Select(r => r.LastUserMessage))})");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"the stream was cut after {clock.Elapsed}");
        Assert.True(await OutputTokensAsync(key) > 0, "the streamed tokens were not metered");
        Assert.Empty(await host.RowsAsync("Conversations", org));
    }

    [Fact]
    public async Task RunAgentStream_StorageRefusedMidStream_ErrorEventStorageUnavailableAndNoTurnStored()
    {
        var (org, key) = await NewOrgAsync("sse-storage");
        host.Model.StreamChunkDelay = TimeSpan.FromMilliseconds(200);
        host.Model.Enqueue(OpenAiScript.Reply("one two three four five six seven eight nine ten"));
        using var client = RawClient();
        using var request = RunRequest(key, "count to ten");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsTakingStorageAwayAsync(response, first: "delta");

        Assert.DoesNotContain(events, e => e.Name == "done");
        var (name, data) = events[^1];
        Assert.Equal("error", name);
        var problem = JsonNode.Parse(data)!;
        Assert.Equal(("storage_unavailable", 503), (problem["code"]!.GetValue<string>(), problem["status"]!.GetValue<int>()));
        Assert.Empty(await host.RowsAsync("Conversations", org));
    }

    [Fact]
    public async Task CreateResponseStream_StorageRefusedMidStream_ResponseFailedWithStorageUnavailableAndNothingStored()
    {
        var (org, key) = await NewOrgAsync("responses-storage");
        host.Model.StreamChunkDelay = TimeSpan.FromMilliseconds(200);
        host.Model.Enqueue(OpenAiScript.Reply("one two three four five six seven eight nine ten"));
        using var client = RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/responses")
        {
            Content = JsonContent.Create(new { model = "default", input = "count to ten", stream = true }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsTakingStorageAwayAsync(response, first: "response.output_text.delta");

        Assert.DoesNotContain(events, e => e.Name == "response.completed");
        var (name, data) = events[^1];
        Assert.Equal("response.failed", name);
        var failed = JsonNode.Parse(data)!["response"]!;
        Assert.Equal("storage_unavailable", failed["error"]!["code"]!.GetValue<string>());
        Assert.Empty(await host.RowsAsync("Responses", org));
        Assert.Empty(await host.RowsAsync("Conversations", org));
    }

    /// <summary>Reads the stream to its end, refusing storage once the first <paramref name="first"/> event arrived (and restoring it after).</summary>
    private async Task<List<(string? Name, string Data)>> ReadEventsTakingStorageAwayAsync(HttpResponseMessage response, string first)
    {
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string? Name, string Data)>();
        try
        {
            while (await NextEventAsync(reader) is { } next)
            {
                events.Add(next);
                if (next.Name == first)
                {
                    host.TableProxy.Mode = StorageProxyMode.Refuse;
                }
            }
        }
        finally
        {
            host.TableProxy.Mode = StorageProxyMode.Forward;
        }

        return events;
    }

    /// <summary>The model's answer to <paramref name="input"/>: 200 words, one every 200 ms (40 s), so only a cut ends it early. Completes with its request.</summary>
    private async Task<OpenAiRecordedRequest> SlowLongAnswer(string input)
    {
        host.Model.StreamChunkDelay = TimeSpan.FromMilliseconds(200);
        host.Model.EnqueueFor(input, OpenAiScript.Reply(string.Join(' ', Enumerable.Range(1, 200).Select(i => $"word{i}"))));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (host.Model.ChatRequests.FirstOrDefault(r => r.LastUserMessage == input) is { } request)
            {
                return request;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the model was not called");
            await Task.Delay(50);
        }
    }

    /// <summary>The run ended with its client: the model's stream cut soon after, the tokens streamed metered, no turn stored.</summary>
    private async Task AssertRunEndedAsync(OpenAiRecordedRequest call, Stopwatch sinceClientLeft, string org, string key)
    {
        bool abandoned;
        try
        {
            abandoned = await call.StreamAbandoned.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            abandoned = false;
        }

        Assert.True(abandoned, $"the model's stream was not cut\n{Tail(host.Output)}");
        Assert.True(sinceClientLeft.Elapsed < CutBound, $"the model's stream was cut {sinceClientLeft.Elapsed} after the client left");
        Assert.True(await OutputTokensAsync(key) > 0, "the streamed tokens were not metered");
        Assert.Empty(await host.RowsAsync("Conversations", org));
    }

    /// <summary>The org's metered chat output tokens (usage may be written behind the answer: waits up to 20 s for some).</summary>
    private async Task<long> OutputTokensAsync(string key)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (response, body) = await host.SendAsync(HttpMethod.Get, "api/usage?groupBy=kind", key);
            Assert.True(response.IsSuccessStatusCode, $"GET usage: {(int)response.StatusCode} {body}");
            var tokens = body!["groups"]!.AsArray().Sum(g => g!["chatOutputTokens"]!.GetValue<long>());
            if (tokens > 0 || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                return tokens;
            }

            await Task.Delay(250);
        }
    }

    private async Task<(string Org, string Key)> NewOrgAsync(string prefix)
    {
        var org = $"{prefix}-{Guid.NewGuid():N}"[..30];
        return (org, await host.RegisterWithKeyAsync(org));
    }

    /// <summary>A client of its own that cuts the connection as soon as a response is disposed (no draining).</summary>
    private HttpClient RawClient() =>
        new(new SocketsHttpHandler { UseProxy = false, MaxResponseDrainSize = 0 }) { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };

    private static HttpRequestMessage RunRequest(string key, string input)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    /// <summary>The next server-sent event (name, data), or null at the end of the stream.</summary>
    private static async Task<(string? Name, string Data)?> NextEventAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
            else if (line.Length == 0 && data is not null)
            {
                return (name, data);
            }
        }

        return null;
    }

    private static string Tail(string output) => output[^Math.Min(output.Length, 4000)..];
}
