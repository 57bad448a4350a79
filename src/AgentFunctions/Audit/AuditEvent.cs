using System.Text.Json.Serialization;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Audit;

/// <summary>One entry of an org's audit trail (docs/api.md, "Audit"); <c>reason</c> is the error code of a refusal.</summary>
internal sealed record AuditEvent(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("orgId")] string OrgId,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("function")] string Function,
    [property: JsonPropertyName("outcome")] AccessOutcome Outcome,
    [property: JsonPropertyName("traceId")] string TraceId,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("count"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Count = null);
