using System.Text.Json.Serialization;

namespace AgentFunctions.Orgs;

/// <summary>
/// The message on <see cref="OrgOffboarding.QueueName"/>; the org is the deletion's target, not a caller's context.
/// <c>phase</c> is <see cref="OrgOffboarding.SweepPhase"/> (also when absent) or <see cref="OrgOffboarding.FinalPhase"/>.
/// </summary>
internal sealed record OrgDeletionMessage(
    [property: JsonPropertyName("orgId")] string OrgId,
    [property: JsonPropertyName("phase")] string? Phase = null);
