using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ResponseObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("output")] IReadOnlyList<ResponseItem> Output,
    [property: JsonPropertyName("usage")] ResponseUsage? Usage,
    [property: JsonPropertyName("previous_response_id"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? PreviousResponseId,
    [property: JsonPropertyName("conversation")] ResponseConversation? Conversation,
    [property: JsonPropertyName("store")] bool Store,
    [property: JsonPropertyName("instructions"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Instructions,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata,
    [property: JsonPropertyName("temperature"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] float? Temperature,
    [property: JsonPropertyName("top_p"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] float? TopP,
    [property: JsonPropertyName("max_output_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? MaxOutputTokens,
    [property: JsonPropertyName("tools")] JsonElement Tools,
    [property: JsonPropertyName("tool_choice")] JsonElement ToolChoice,
    [property: JsonPropertyName("text")] JsonElement Text,
    [property: JsonPropertyName("parallel_tool_calls")] bool ParallelToolCalls,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] ResponseErrorInfo? Error)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "response";

    [JsonPropertyName("incomplete_details"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? IncompleteDetails { get; }

    [JsonPropertyName("truncation")]
    public string Truncation { get; } = "disabled";
}
