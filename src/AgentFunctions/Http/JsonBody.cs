using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

public static class JsonBody
{
    /// <summary>Largest JSON body accepted by the admin API.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>Reads the body as <typeparamref name="T"/> with the API's JSON options; 400/413 naming what is wrong.</summary>
    public static async Task<T> ReadJsonAsync<T>(this HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            throw ApiException.PayloadTooLarge($"The body is larger than {maxBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw ApiException.PayloadTooLarge($"The body is larger than {maxBytes} bytes.");
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
            throw ApiException.InvalidRequest(string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.'), "is not valid JSON for this request.");
        }
    }
}
