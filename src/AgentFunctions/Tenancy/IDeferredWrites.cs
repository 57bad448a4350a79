namespace AgentFunctions.Tenancy;

/// <summary>
/// Writes an area holds back while an invocation runs and makes durable when the invocation's answer is complete, before
/// the invocation ends (<c>OrgContextMiddleware</c>): the response does not wait for them, the invocation does.
/// Outside <see cref="Defer"/> (tests, tools) the area writes at once.
/// </summary>
internal interface IDeferredWrites
{
    /// <summary>
    /// From here on, in this async flow, the area's writes for <paramref name="orgId"/> are held until <see cref="FlushAsync"/>.
    /// Throws 503 <c>storage_unavailable</c> when the area already holds as much as it may (storage failing).
    /// </summary>
    IDisposable Defer(OrgId orgId);

    /// <summary>Writes what the area holds for the org; returns once it is stored.</summary>
    Task FlushAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes what the area holds for every org (shutdown), or with <paramref name="failedOnly"/> for the orgs whose last
    /// write failed (the background retry; the rest belongs to invocations still running).
    /// </summary>
    Task FlushAllAsync(bool failedOnly, CancellationToken cancellationToken);
}
