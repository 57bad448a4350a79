using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

/// <summary>An output item: a <c>message</c> (role, content) or a <c>function_call</c> (call_id, name, arguments).</summary>
internal sealed record ResponseItem(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("role")] string? Role = null,
    [property: JsonPropertyName("content")] IReadOnlyList<ResponseContentPart>? Content = null,
    [property: JsonPropertyName("call_id")] string? CallId = null,
    [property: JsonPropertyName("name")] string? Name = null,
    [property: JsonPropertyName("arguments")] string? Arguments = null);
