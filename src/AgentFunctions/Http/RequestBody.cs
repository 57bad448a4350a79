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
}
