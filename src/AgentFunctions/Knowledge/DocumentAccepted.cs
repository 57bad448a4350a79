using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

/// <summary>202 to a large file's PUT: it is ingested in the background; poll <see cref="StatusUrl"/>.</summary>
internal sealed record DocumentAccepted(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("statusUrl")] string StatusUrl);
