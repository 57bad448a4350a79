using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

// The Responses wire shapes this API answers with (OpenAI's field names; what every SDK parses).

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

internal sealed record ResponseContentPart(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("annotations")] IReadOnlyList<ResponseAnnotation> Annotations)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "output_text";
}

/// <summary>A knowledge citation: <c>file_citation</c> with the document id as <c>file_id</c> and its title as <c>filename</c>.</summary>
internal sealed record ResponseAnnotation(
    [property: JsonPropertyName("file_id")] string FileId,
    [property: JsonPropertyName("filename")] string Filename,
    [property: JsonPropertyName("index")] int Index)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "file_citation";
}

internal sealed record ResponseUsage(
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens)
{
    [JsonPropertyName("total_tokens")]
    public long TotalTokens => InputTokens + OutputTokens;

    [JsonPropertyName("input_tokens_details")]
    public IReadOnlyDictionary<string, long> InputTokensDetails { get; } = new Dictionary<string, long> { ["cached_tokens"] = 0 };

    [JsonPropertyName("output_tokens_details")]
    public IReadOnlyDictionary<string, long> OutputTokensDetails { get; } = new Dictionary<string, long> { ["reasoning_tokens"] = 0 };
}

internal sealed record ResponseConversation([property: JsonPropertyName("id")] string Id);

internal sealed record ResponseErrorInfo(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

internal sealed record ResponseDeleted([property: JsonPropertyName("id")] string Id)
{
    [JsonPropertyName("object")]
    public string Object { get; } = "response.deleted";

    [JsonPropertyName("deleted")]
    public bool Deleted { get; } = true;
}

/// <summary>One streamed event (its <c>type</c> is also the SSE event name); only the fields of its type are set.</summary>
internal sealed record ResponseStreamEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("sequence_number")] int SequenceNumber,
    [property: JsonPropertyName("response")] ResponseObject? Response = null,
    [property: JsonPropertyName("output_index")] int? OutputIndex = null,
    [property: JsonPropertyName("item")] ResponseItem? Item = null,
    [property: JsonPropertyName("item_id")] string? ItemId = null,
    [property: JsonPropertyName("content_index")] int? ContentIndex = null,
    [property: JsonPropertyName("part")] ResponseContentPart? Part = null,
    [property: JsonPropertyName("delta")] string? Delta = null,
    [property: JsonPropertyName("text")] string? Text = null,
    [property: JsonPropertyName("arguments")] string? Arguments = null);
