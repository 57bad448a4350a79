using System.Text.Json.Serialization;

namespace AgentFunctions.DataStore;

/// <summary>One page of a collection; <see cref="Cursor"/> is set when more records follow.</summary>
internal sealed record DataRecordPage(
    [property: JsonPropertyName("items")] IReadOnlyList<DataRecord> Items,
    [property: JsonPropertyName("cursor")] string? Cursor);
