using System.Text.Json.Serialization;
using AgentFunctions.Errors;

namespace AgentFunctions.OpenAi;

/// <summary>
/// OpenAI's error envelope, <c>{"error": {"message", "type", "param", "code"}}</c>, used on <c>/api/v1/*</c> with the
/// same statuses and codes as the problem responses of the rest of the API (<c>code</c> is ours: <c>unauthorized</c>,
/// <c>quota_exceeded</c>, <c>model_not_found</c>, ...; <c>type</c> is OpenAI's class of error).
/// </summary>
internal sealed record OpenAiError([property: JsonPropertyName("error")] OpenAiErrorBody Error)
{
    public const string ModelNotFound = "model_not_found";

    /// <summary>The envelope of a refusal; anything that is not an <see cref="ApiException"/> is an internal error without details.</summary>
    public static OpenAiError From(Exception exception, string traceId) => exception is ApiException api
        ? new(new OpenAiErrorBody(api.Message, Type(api.Status), api.Field, api.Code))
        : new(new OpenAiErrorBody($"The request failed. Quote trace id {traceId} when reporting it.", "server_error", null, ErrorCodes.Internal));

    public static ApiException UnknownModel(string model) =>
        new(404, ModelNotFound, $"The model '{model}' does not exist: a model is one of the org's agents (GET /api/v1/models).") { Field = "model" };

    private static string Type(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };
}
