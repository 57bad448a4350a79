using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

public static class RequestBody
{
    /// <summary>Default cap on a JSON request body.</summary>
    public const int DefaultMaxBytes = 256 * 1024;

    /// <summary>
    /// The request's JSON body as <typeparamref name="T"/> (API JSON options), read up to
    /// <paramref name="maxBytes"/>: 413 when larger, 400 <c>invalid_request</c> naming the body (or the
    /// offending property) when it is not the documented JSON object.
    /// </summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return (buffer.Length == 0 ? null : JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ApiJson.Options))
                ?? throw ApiException.InvalidRequest("body", "must be a JSON object.");
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
            throw ApiException.InvalidRequest(field, "is not valid JSON of the documented shape.");
        }
    }

    private static ApiException TooLarge(int maxBytes) => ApiException.PayloadTooLarge($"The body is larger than {maxBytes} bytes.");
}
