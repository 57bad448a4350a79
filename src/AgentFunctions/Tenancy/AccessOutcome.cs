namespace AgentFunctions.Tenancy;

/// <summary>The outcome of one org access, as it is audited.</summary>
internal enum AccessOutcome
{
    Allowed,
    Denied,
    Failed,
}
