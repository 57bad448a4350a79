using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>Reads JSON request bodies with a size cap; every refusal names what is wrong.</summary>
internal static class RequestBody
{
    /// <summary>Default cap on a JSON request body.</summary>
    public const int DefaultMaxBytes = 256 * 1024;

    /// <summary>
    /// The body as <typeparamref name="T"/> (API JSON options): 413 past <paramref name="maxBytes"/>,
    /// 400 <c>invalid_request</c> naming the body (or the offending property) when it is not the documented JSON object.
    /// </summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        var body = await ReadCappedAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            return (body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body.Span, ApiJson.Options))
                ?? throw ApiException.InvalidRequest("body", "must be a JSON object.");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw ApiException.InvalidRequest(field, "is not valid JSON of the documented shape.");
        }
    }

    /// <summary>The body as a JSON document: 413 past <paramref name="maxBytes"/>, 400 naming the body when it is empty or not JSON.</summary>
    public static async Task<JsonDocument> ReadJsonDocumentAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var body = await ReadCappedAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        if (body.Length == 0)
        {
            throw ApiException.InvalidRequest("body", "is required.");
        }

        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw ApiException.InvalidRequest("body", "is not valid JSON.");
        }
    }

    /// <summary>Reads at most one byte past the cap, whatever Content-Length claimed (chunked bodies claim nothing).</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadCappedAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var buffer = new byte[Math.Min(maxBytes + 1, (int?)request.ContentLength + 1 ?? 16 * 1024)];
        var length = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }

                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1L, buffer.Length * 2L));
            }
        }

        return buffer.AsMemory(0, length);
    }

    private static ApiException TooLarge(int maxBytes) => ApiException.PayloadTooLarge($"The request body is larger than {maxBytes} bytes.");
}
