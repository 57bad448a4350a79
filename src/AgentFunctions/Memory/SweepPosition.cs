using AgentFunctions.Tenancy;

namespace AgentFunctions.Memory;

/// <summary>Where the retention sweep is: the org, its phase and the position inside that phase's store.</summary>
internal sealed record SweepPosition(OrgId OrgId, SweepPhase Phase, string? Position);
