using AgentFunctions.Tenancy;

namespace AgentFunctions.Orgs;

/// <summary>
/// A registered org (or the implicit default org). <see cref="Version"/> grows with every change,
/// so caches keyed by it (per-org chat clients) are rebuilt when settings change.
/// </summary>
internal sealed record OrgRecord(
    OrgId OrgId,
    OrgDefinition Definition,
    bool Deleting,
    bool Registered,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public OrgStatus Status => Deleting ? OrgStatus.Deleting : Definition.Enabled ? OrgStatus.Active : OrgStatus.Disabled;

    /// <summary>The default org when nobody registered it: enabled, configuration defaults, no quotas.</summary>
    public static OrgRecord Implicit(OrgId orgId) =>
        new(orgId, new OrgDefinition(orgId.Value, null, new OrgModelSettings(), new OrgQuotas(), Enabled: true),
            Deleting: false, Registered: false, Version: 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
}
