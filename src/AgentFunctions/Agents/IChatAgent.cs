using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// The org's agent for chat-protocol clients (<see cref="AgentCall"/>): same settings, quotas, knowledge, tools,
/// metering and turn storage as <see cref="IAgent"/>, with the client's messages, instructions and tools.
/// </summary>
internal interface IChatAgent
{
    Task<AgentCompletion> CompleteAsync(OrgId orgId, AgentCall request, CancellationToken cancellationToken);

    IAsyncEnumerable<AgentCompletionUpdate> CompleteStreamingAsync(OrgId orgId, AgentCall request, CancellationToken cancellationToken);
}
