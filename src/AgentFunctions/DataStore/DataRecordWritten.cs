using System.Text.Json.Serialization;

namespace AgentFunctions.DataStore;

/// <summary>The answer to a write: the record's id and its new ETag.</summary>
internal sealed record DataRecordWritten(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("etag")] string ETag);
