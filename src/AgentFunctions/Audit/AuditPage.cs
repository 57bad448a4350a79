using System.Text.Json.Serialization;

namespace AgentFunctions.Audit;

/// <summary>One page of the trail, newest first; <see cref="Cursor"/> (when present) fetches the older events.</summary>
internal sealed record AuditPage(
    [property: JsonPropertyName("events")] IReadOnlyList<AuditEvent> Events,
    [property: JsonPropertyName("cursor"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor);
