using AgentFunctions.Tenancy;

namespace AgentFunctions.Jobs;

/// <summary>Hands a job to the queue-triggered worker.</summary>
internal interface IJobDispatcher
{
    Task EnqueueAsync(OrgId orgId, string jobId, CancellationToken cancellationToken);
}
