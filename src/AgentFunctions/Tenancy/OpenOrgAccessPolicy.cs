namespace AgentFunctions.Tenancy;

/// <summary>
/// The policy until org registration and credentials exist: every valid org may be used.
/// Replaced by the registry-backed policy when it is registered.
/// </summary>
internal sealed class OpenOrgAccessPolicy : IOrgAccessPolicy
{
    public ValueTask<OrgAccessGrant> AuthorizeAsync(OrgAccessRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new OrgAccessGrant(request.Kind == InvocationKind.Queue ? "queue" : "anonymous"));
}
