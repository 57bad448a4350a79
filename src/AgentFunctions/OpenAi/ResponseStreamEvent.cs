using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

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
