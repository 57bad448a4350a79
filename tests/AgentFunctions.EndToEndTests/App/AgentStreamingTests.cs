using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>Server-sent events from the real worker through the local host.</summary>
[Collection(MultitenantAppGroup.Name)]
public sealed class AgentStreamingTests(MultitenantAppHost host) : IAsyncLifetime
{
    private const string Org = "streamer";

    public Task InitializeAsync() => host.RegisterOrgAsync(Org);

    public Task DisposeAsync()
    {
        host.Model!.StreamChunkDelay = TimeSpan.Zero;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RunAgent_EventStream_DeltasArriveWhileTheModelIsStillAnsweringThenDoneWithTheResult()
    {
        // Ten words, each streamed chunk held back 300 ms by the model server: the model's answer takes over 3 s.
        const string Answer = "one two three four five six seven eight nine ten";
        var chunkDelay = TimeSpan.FromMilliseconds(300);
        host.Model!.StreamChunkDelay = chunkDelay;
        host.Model.Enqueue(OpenAiScript.Reply(Answer));

        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", Org, new { input = "count to ten" }, stream: true);
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string Name, JsonElement Data, TimeSpan At)>();
        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? name = null;
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name!, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone(), clock.Elapsed));
            }
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var deltas = events.Where(e => e.Name == "delta").ToList();
        var done = Assert.Single(events, e => e.Name == "done");
        Assert.Equal("done", events[^1].Name);
        Assert.True(deltas.Count >= 2, $"expected the answer in several deltas, got {deltas.Count}");
        Assert.Equal(Answer, string.Concat(deltas.Select(d => d.Data.GetProperty("text").GetString())));
        // Nothing buffered the stream: at least the model's remaining chunk delays lie between the first delta and done.
        var gap = done.At - deltas[0].At;
        Assert.True(gap >= chunkDelay * 5, $"first delta at {deltas[0].At.TotalMilliseconds:F0} ms, done at {done.At.TotalMilliseconds:F0} ms: the stream was buffered");
        var result = done.Data;
        Assert.Equal(["agent", "citations", "conversationId", "output", "text", "usage"], result.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Answer, result.GetProperty("output").GetString());
        Assert.True(result.GetProperty("usage").GetProperty("outputTokens").GetInt64() > 0);

        // The streamed turn was stored like a JSON one.
        Assert.Equal([("user", "count to ten"), ("assistant", Answer)], await host.MessagesAsync(Org, result.GetProperty("conversationId").GetString()!));
    }

    [Fact]
    public async Task RunAgent_EventStreamRefusedBeforeOutput_IsAnOrdinaryProblemResponse()
    {
        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", "Not-Valid", new { input = "hi" }, stream: true);

        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 400, "invalid_org_id");
        Assert.DoesNotContain("event:", Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()), StringComparison.Ordinal);
    }
}
