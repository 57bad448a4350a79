using AgentFunctions.Tenancy;

namespace AgentFunctions.Orgs;

/// <summary>
/// The registered orgs. <see cref="FindAsync"/> is the hot path (every invocation) and is served from
/// a short per-instance cache (<see cref="OrgsOptions.CacheSeconds"/>); every change made through
/// this instance invalidates its cache entry at once.
/// </summary>
internal interface IOrgRegistry
{
    /// <summary>The org, the implicit default org, or null when it is not registered. Cached.</summary>
    ValueTask<OrgRecord?> FindAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>Like <see cref="FindAsync"/> but always read from storage (admin reads, offboarding).</summary>
    Task<OrgRecord?> GetAsync(OrgId orgId, CancellationToken cancellationToken);

    Task<IReadOnlyList<OrgRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Creates or replaces the org's settings; 409 while the org is being deleted.</summary>
    Task<OrgRecord> PutAsync(OrgId orgId, OrgDefinition definition, CancellationToken cancellationToken);

    /// <summary>Disables the org for good and marks it for deletion; null when it does not exist.</summary>
    Task<OrgRecord?> MarkDeletingAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>Removes the registry row of an org that is being deleted (the last step of offboarding).</summary>
    Task RemoveAsync(OrgId orgId, CancellationToken cancellationToken);
}
