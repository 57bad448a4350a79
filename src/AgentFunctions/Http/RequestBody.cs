using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

public static class RequestBody
{
    /// <summary>The request's JSON body as <typeparamref name="T"/> (API JSON options); 400 <c>invalid_request</c> naming the body when it is not.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw ApiException.InvalidRequest("body", "must be a JSON object.");
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 1 } path ? $" at {path}" : string.Empty;
            throw ApiException.InvalidRequest("body", $"must be a JSON object of the documented shape (invalid JSON{where}).");
        }
    }

    /// <summary>
    /// The request's body as a JSON document, read with a size cap: 413 <c>payload_too_large</c> past
    /// <paramref name="maxBytes"/> (by <c>Content-Length</c> before reading, or while reading an unsized body),
    /// 400 <c>invalid_request</c> naming the body when it is empty or not JSON.
    /// </summary>
    public static async Task<JsonDocument> ReadJsonDocumentAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        // Read at most one byte past the cap, whatever Content-Length claimed (or chunked bodies that claim nothing).
        var buffer = new byte[Math.Min(maxBytes + 1, (int?)request.ContentLength + 1 ?? maxBytes + 1)];
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

                Array.Resize(ref buffer, maxBytes + 1);
            }
        }

        if (length == 0)
        {
            throw ApiException.InvalidRequest("body", "is required.");
        }

        try
        {
            return JsonDocument.Parse(buffer.AsMemory(0, length));
        }
        catch (JsonException)
        {
            throw ApiException.InvalidRequest("body", "is not valid JSON.");
        }
    }

    private static ApiException TooLarge(int maxBytes) => ApiException.PayloadTooLarge($"The request body is larger than {maxBytes} bytes.");
}
