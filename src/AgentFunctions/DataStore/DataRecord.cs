using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.DataStore;

/// <summary>One stored record: its id, its JSON object and the ETag to send back in <c>If-Match</c>.</summary>
internal sealed record DataRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("value")] JsonElement Value,
    [property: JsonPropertyName("etag")] string ETag);
