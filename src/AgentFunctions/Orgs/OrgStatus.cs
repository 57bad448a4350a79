namespace AgentFunctions.Orgs;

internal enum OrgStatus
{
    Active,
    Disabled,

    /// <summary>Offboarding has started: refused everywhere, its data is being removed.</summary>
    Deleting,
}
