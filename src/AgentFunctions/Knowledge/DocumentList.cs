using System.Text.Json.Serialization;

namespace AgentFunctions.Knowledge;

/// <summary><c>GET /api/documents</c>: a page of the org's documents in id order, and the cursor of the next page.</summary>
internal sealed record DocumentList(
    [property: JsonPropertyName("documents")] IReadOnlyList<DocumentView> Documents,
    [property: JsonPropertyName("cursor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor);
