using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.DataStore;

/// <summary>One stored record: its id, its JSON object and the ETag to send back in <c>If-Match</c>.</summary>
internal sealed record DataRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("value")] JsonElement Value,
    [property: JsonPropertyName("etag")] string ETag);

/// <summary>One page of a collection; <see cref="Cursor"/> is set when more records follow.</summary>
internal sealed record DataRecordPage(
    [property: JsonPropertyName("items")] IReadOnlyList<DataRecord> Items,
    [property: JsonPropertyName("cursor")] string? Cursor);

/// <summary>The answer to a write: the record's id and its new ETag.</summary>
internal sealed record DataRecordWritten(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("etag")] string ETag);

/// <summary>
/// The precondition of a write. <see cref="IfMatch"/>: an ETag from an earlier read, or <c>*</c>
/// (the record must exist); <see cref="CreateOnly"/>: the record must not exist yet (<c>If-None-Match: *</c>).
/// A failed precondition is 412 <c>precondition_failed</c> and nothing is written.
/// </summary>
internal readonly record struct DataPrecondition(string? IfMatch = null, bool CreateOnly = false)
{
    public static DataPrecondition None => default;
}
