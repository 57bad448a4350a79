namespace AgentFunctions.Tenancy;

/// <summary>
/// The org and caller of the current invocation, set once by <c>OrgContextMiddleware</c> in the
/// invocation's scope. Functions read it with <c>context.GetOrgId()</c>.
/// </summary>
internal sealed class OrgContext
{
    private OrgId? _orgId;

    public OrgId OrgId => _orgId ?? throw new InvalidOperationException("This function runs without an org context.");

    /// <summary>Who acts: <c>anonymous</c>, <c>key:{keyId}</c>, <c>jwt:{subject}</c>, <c>queue</c>, ...</summary>
    public string Principal { get; private set; } = "anonymous";

    public bool IsResolved => _orgId is not null;

    internal void Set(OrgId orgId, string principal)
    {
        if (_orgId is not null)
        {
            throw new InvalidOperationException("The org context is set once per invocation.");
        }

        _orgId = orgId;
        Principal = principal;
        CallerPrincipal.Set(principal);
    }
}
