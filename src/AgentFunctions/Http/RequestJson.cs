using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

public static class RequestJson
{
    /// <summary>The body as <typeparamref name="T"/> (API JSON options); malformed JSON is a 400 naming the body.</summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Options, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw ApiException.InvalidRequest("body", $"is not valid JSON for this request: {e.Message}");
        }
    }
}
