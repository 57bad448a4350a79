using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

// The Chat Completions wire shapes this API answers with (OpenAI's field names; what every SDK parses).

internal sealed record ChatCompletion(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChoice> Choices,
    [property: JsonPropertyName("usage")] ChatUsage Usage)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "chat.completion";
}

internal sealed record ChatChoice(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("message")] ChatCompletionMessage Message,
    [property: JsonPropertyName("finish_reason")] string FinishReason);

internal sealed record ChatCompletionMessage(
    [property: JsonPropertyName("content"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    [property: JsonPropertyName("tool_calls")] IReadOnlyList<ChatToolCall>? ToolCalls)
{
    [JsonPropertyName("role")]
    public string Role { get; } = "assistant";

    [JsonPropertyName("refusal"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Refusal { get; } = null;
}

internal sealed record ChatToolCall(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("function")] ChatFunctionCall Function,
    [property: JsonPropertyName("index")] int? Index = null)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "function";
}

internal sealed record ChatFunctionCall(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);

internal sealed record ChatUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens)
{
    [JsonPropertyName("total_tokens")]
    public long TotalTokens => PromptTokens + CompletionTokens;
}

internal sealed record ChatCompletionChunk(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("choices")] IReadOnlyList<ChatChunkChoice> Choices,
    [property: JsonPropertyName("usage")] ChatUsage? Usage = null)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "chat.completion.chunk";
}

internal sealed record ChatChunkChoice(
    [property: JsonPropertyName("delta")] ChatDelta Delta,
    [property: JsonPropertyName("finish_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonPropertyName("index")]
    public int Index { get; } = 0;
}

internal sealed record ChatDelta(
    [property: JsonPropertyName("role")] string? Role = null,
    [property: JsonPropertyName("content")] string? Content = null,
    [property: JsonPropertyName("tool_calls")] IReadOnlyList<ChatToolCall>? ToolCalls = null);

/// <summary>The JSON options of the OpenAI-compatible API: the wire names are explicit; absent optionals are left out.</summary>
internal static class OpenAiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
