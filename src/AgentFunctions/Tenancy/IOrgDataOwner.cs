namespace AgentFunctions.Tenancy;

/// <summary>
/// An area that holds tenant data (conversations, jobs, knowledge, data records, usage, keys).
/// Offboarding calls every registered owner; each deletes all of that org's data and nothing else,
/// and must be safe to call again after an interruption.
/// </summary>
internal interface IOrgDataOwner
{
    /// <summary>A short name for logs and progress ("conversations", "jobs", ...).</summary>
    string Area { get; }

    Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken);
}
