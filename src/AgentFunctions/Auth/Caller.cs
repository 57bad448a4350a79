using AgentFunctions.Tenancy;

namespace AgentFunctions.Auth;

/// <summary>An authenticated caller and the orgs it may act for.</summary>
internal sealed record Caller(string Principal, IReadOnlySet<OrgId> Orgs)
{
    public bool MayActFor(OrgId orgId) => Orgs.Contains(orgId);
}
