using System.Globalization;
using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.OpenAi;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>HTTP shaping of the OpenAI-compatible API (<c>/api/v1</c>): its error envelope and its server-sent events.</summary>
internal static class OpenAiHttp
{
    public const string PathPrefix = "/api/v1";

    public static bool IsOpenAiPath(HttpRequest request) =>
        request?.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The OpenAI error envelope with the refusal's status (and <c>Retry-After</c>), unless the response has started.</summary>
    public static async Task WriteErrorAsync(HttpResponse response, Exception error, string traceId)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.HasStarted)
        {
            return;
        }

        var api = error as ApiException;
        response.Clear();
        response.StatusCode = api?.Status ?? StatusCodes.Status500InternalServerError;
        response.ContentType = "application/json";
        if (api?.RetryAfter is { } delay)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await JsonSerializer.SerializeAsync(response.Body, OpenAiError.From(error, traceId), OpenAiJson.Options).ConfigureAwait(false);
    }

    /// <summary>JSON with the OpenAI wire options.</summary>
    internal static async Task WriteJsonAsync(HttpResponse response, object value, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, value, value.GetType(), OpenAiJson.Options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Server-sent events on <paramref name="stream"/> (produced with its token), started with the first event (so a refusal
    /// before it is an ordinary error response); then <c>data: [DONE]</c> when <paramref name="doneSentinel"/> (Chat
    /// Completions ends so, Responses does not).
    /// </summary>
    internal static async Task WriteEventsAsync(EventStream stream, IAsyncEnumerable<OpenAiEvent> events, bool doneSentinel)
    {
        await foreach (var item in events.WithCancellation(stream.Token).ConfigureAwait(false))
        {
            if (!stream.Started)
            {
                stream.Start();
            }

            // Serialized JSON has no raw line breaks, so one data line always holds the whole object.
            await stream.WriteEventAsync(item.Name, JsonSerializer.Serialize(item.Data, item.Data.GetType(), OpenAiJson.Options)).ConfigureAwait(false);
        }

        if (doneSentinel && stream.Started)
        {
            await stream.WriteAsync("data: [DONE]\n\n").ConfigureAwait(false);
        }
    }
}
