using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

internal sealed record PutDocumentResult(
    [property: JsonPropertyName("documentId")] string DocumentId,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("status")] string Status);
