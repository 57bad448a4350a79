using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentFunctions.Functions;

/// <summary>
/// Writes a streamed agent run as server-sent events: <c>event: delta</c> with <c>{"text": "..."}</c> per piece of
/// text, then one <c>event: done</c> with the same object as the JSON response. The response starts only with the
/// first update, so a run refused before any output (quota, no model) is an ordinary problem+json response; a
/// failure after that ends the stream with <c>event: error</c> carrying the problem object, and is rethrown.
/// </summary>
internal static class AgentEvents
{
    public const string ContentType = "text/event-stream";

    public static bool IsRequested(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase));
    }

    public static async Task WriteAsync(HttpResponse response, IAsyncEnumerable<AgentStreamUpdate> updates, string traceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(updates);
        var enumerator = updates.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException("An agent stream must end with a result.");
            }

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = ContentType;
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            try
            {
                do
                {
                    var update = enumerator.Current;
                    if (update.Result is { } result)
                    {
                        await WriteEventAsync(response, "done", result, cancellationToken).ConfigureAwait(false);
                    }
                    else if (update.Delta is { Length: > 0 } text)
                    {
                        await WriteEventAsync(response, "delta", new Delta(text), cancellationToken).ConfigureAwait(false);
                    }
                }
                while (await enumerator.MoveNextAsync().ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var problem = e is ApiException api ? Problem.From(api, traceId) : Problem.Internal(traceId);
                await WriteEventAsync(response, "error", problem, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    private static async Task WriteEventAsync<T>(HttpResponse response, string name, T data, CancellationToken cancellationToken)
    {
        // Serialized JSON has no raw line breaks, so one data line always holds the whole object.
        var json = JsonSerializer.Serialize(data, ApiJson.Options);
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {name}\ndata: {json}\n\n"), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record Delta([property: JsonPropertyName("text")] string Text);
}
