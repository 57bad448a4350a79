namespace AgentFunctions.Tenancy;

/// <summary>
/// One audited access. Never carries secrets or prompts. <see cref="CallerIdentified"/> is false when the
/// caller was not identified (no or unknown credential, admin key refused): such an attempt is only a log
/// event — it must not reach tenant storage (no registry lookup, no trail row), or it would reveal by
/// timing whether the org exists and let anyone fill caches with made-up org ids.
/// </summary>
internal sealed record OrgAccessRecord(
    OrgId OrgId,
    string Principal,
    string Function,
    string Action,
    AccessOutcome Outcome,
    string TraceId,
    string? Reason = null)
{
    public bool CallerIdentified { get; init; } = true;

    /// <summary>
    /// Set for a refused foreign credential: its refusals of one org are folded into one trail row per credential
    /// and minute with a count, written off the response path (so the answer takes as long whether the org exists
    /// or not, and a flood of refusals cannot push the org's own events out of reach).
    /// </summary>
    public string? FoldBy { get; init; }
}
