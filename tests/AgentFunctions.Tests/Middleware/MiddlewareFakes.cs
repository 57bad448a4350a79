using AgentFunctions.Storage;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Middleware;

/// <summary>An access policy that records what it was asked and grants or refuses as told.</summary>
internal sealed class RecordingPolicy(Func<OrgAccessRequest, OrgAccessGrant>? decide = null) : IOrgAccessPolicy
{
    public List<OrgAccessRequest> Requests { get; } = [];

    /// <summary>The org the caller's credential names (null: none, the default applies).</summary>
    public OrgId? CredentialOrg { get; set; }

    public ValueTask<OrgId?> FindCredentialOrgAsync(Microsoft.AspNetCore.Http.HttpContext http, CancellationToken cancellationToken) => ValueTask.FromResult(CredentialOrg);

    public ValueTask<OrgAccessGrant> AuthorizeAsync(OrgAccessRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        return ValueTask.FromResult(decide is null ? new OrgAccessGrant("key:k1") : decide(request));
    }
}

internal sealed class RecordingAuditor : IOrgAccessAuditor
{
    public List<OrgAccessRecord> Records { get; } = [];

    public ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken)
    {
        Records.Add(record);
        return ValueTask.CompletedTask;
    }
}

internal sealed class RecordingDeadLetters : IDeadLetters
{
    public List<(string Queue, string Message)> Moved { get; } = [];

    public Task MoveAsync(string queueName, string message, CancellationToken cancellationToken)
    {
        Moved.Add((queueName, message));
        return Task.CompletedTask;
    }
}
