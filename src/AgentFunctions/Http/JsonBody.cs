using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>Reads a request body as JSON with a size cap: 413 past the cap, 400 for an empty or malformed body.</summary>
public static class JsonBody
{
    public static async Task<JsonDocument> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
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
