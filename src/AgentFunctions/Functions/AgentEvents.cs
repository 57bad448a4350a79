using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFunctions.Agents;
using AgentFunctions.Http;
using AgentFunctions.Serialization;
using AgentFunctions.Storage;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Functions;

/// <summary>
/// Writes a streamed agent run as server-sent events: <c>event: delta</c> with <c>{"text": "..."}</c> per piece of
/// text, then one <c>event: done</c> with the same object as the JSON response. The response starts only with the
/// first update, so a run refused before any output (quota, no model) is an ordinary problem+json response; a
/// failure after that ends the stream with <c>event: error</c> carrying the problem object (the same code as a JSON
/// answer: <c>storage_unavailable</c> for a storage outage), and is rethrown. The run goes with its
/// <see cref="EventStream"/>: a client that disconnects or stops reading cancels it.
/// </summary>
internal static class AgentEvents
{
    public static bool IsRequested(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(EventStream.ContentType, StringComparison.OrdinalIgnoreCase));
    }

    public static async Task WriteAsync(EventStream stream, IAsyncEnumerable<AgentStreamUpdate> updates, string traceId)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(updates);
        var enumerator = updates.GetAsyncEnumerator(stream.Token);
        await using (enumerator.ConfigureAwait(false))
        {
            if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException("An agent stream must end with a result.");
            }

            stream.Start();
            try
            {
                do
                {
                    var update = enumerator.Current;
                    if (update.Result is { } result)
                    {
                        await WriteEventAsync(stream, "done", result).ConfigureAwait(false);
                    }
                    else if (update.Delta is { Length: > 0 } text)
                    {
                        await WriteEventAsync(stream, "delta", new Delta(text)).ConfigureAwait(false);
                    }
                }
                while (await enumerator.MoveNextAsync().ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException || !stream.Token.IsCancellationRequested)
            {
                await WriteEventAsync(stream, "error", Problem.From(StorageFailures.AsApiError(e, stream.Token), traceId)).ConfigureAwait(false);
                throw;
            }
        }
    }

    // Serialized JSON has no raw line breaks, so one data line always holds the whole object.
    private static Task WriteEventAsync<T>(EventStream stream, string name, T data) =>
        stream.WriteEventAsync(name, JsonSerializer.Serialize(data, ApiJson.Options));

    private sealed record Delta([property: JsonPropertyName("text")] string Text);
}
