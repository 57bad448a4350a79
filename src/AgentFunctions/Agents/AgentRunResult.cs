using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

/// <summary>
/// The response of one agent run (docs/api.md, "Agent"). <see cref="Output"/> is the answer's text; with a
/// <c>responseFormat</c> the answer parsed (<see cref="Structured"/>) is sent as <c>output</c> and the text as <c>text</c>.
/// </summary>
internal sealed record AgentRunResult(
    [property: JsonIgnore] string Output,
    [property: JsonPropertyName("conversationId")] string ConversationId,
    [property: JsonPropertyName("usage")] AgentUsage Usage,
    [property: JsonPropertyName("citations")] IReadOnlyList<Citation> Citations)
{
    /// <summary>The answer parsed, when the run had a <c>responseFormat</c> (validated against it).</summary>
    [JsonIgnore]
    public JsonElement? Structured { get; init; }

    /// <summary>The agent that answered.</summary>
    [JsonPropertyName("agent")]
    public string Agent { get; init; } = AgentDefinition.DefaultName;

    [JsonPropertyName("output")]
    [JsonPropertyOrder(-1)]
    public object OutputValue => Structured is { } structured ? structured : Output;

    [JsonPropertyName("text")]
    public string Text => Output;
}
