using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFunctions.Errors;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>The body of every error response (RFC 9457 plus <c>code</c> and <c>traceId</c>).</summary>
internal sealed record Problem(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("traceId")] string TraceId)
{
    public const string ContentType = "application/problem+json";

    public static Problem From(ApiException error, string traceId) =>
        new($"urn:agentfunctions:problem:{error.Code}", ReasonPhrases(error.Status), error.Status, error.Message, error.Code, traceId);

    /// <summary>The problem of a classified failure (<c>StorageFailures.AsApiError</c>): a refusal's own, else <see cref="Internal"/>.</summary>
    public static Problem From(Exception error, string traceId) => error is ApiException api ? From(api, traceId) : Internal(traceId);

    private static Problem Internal(string traceId) =>
        new($"urn:agentfunctions:problem:{ErrorCodes.Internal}", ReasonPhrases(500), 500,
            "The request failed. Quote the traceId when reporting it.", ErrorCodes.Internal, traceId);

    /// <summary>Writes the problem, unless the response has already started (then it is only logged).</summary>
    public async Task WriteAsync(HttpResponse response, TimeSpan? retryAfter = null)
    {
        if (response.HasStarted)
        {
            return;
        }

        response.Clear();
        response.StatusCode = Status;
        response.ContentType = ContentType;
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await JsonSerializer.SerializeAsync(response.Body, this, ApiJson.Options).ConfigureAwait(false);
    }

    private static string ReasonPhrases(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
