using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ResponseErrorInfo(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
