using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// Runs the agent once for one org: the org's system prompt and model settings, the conversation's
/// recent history, retrieved knowledge and tools, one model call loop, and the turn is stored.
/// </summary>
internal interface IAgent
{
    /// <param name="turnId">Idempotency key of the turn (a job id): a turn already stored under it is returned, not run again.</param>
    Task<AgentRunResult> RunAsync(OrgId orgId, AgentRunRequest request, string? turnId, CancellationToken cancellationToken);

    IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(OrgId orgId, AgentRunRequest request, CancellationToken cancellationToken);
}
