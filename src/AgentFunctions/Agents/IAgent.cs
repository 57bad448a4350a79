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

    /// <summary>
    /// Like <see cref="RunAsync"/> with <paramref name="turnId"/>, for a caller that knows no turn can be stored under it yet
    /// (a job's first attempt): the stored-turn lookup is skipped. The turn is still stored under the id, so a later
    /// attempt finds it.
    /// </summary>
    /// <param name="newConversation">
    /// True when the caller generated the request's conversation id itself and no turn of it can be stored yet: no history
    /// is read and the turn's append inserts the conversation (a conversation stored meanwhile under that id is re-read
    /// and the turn appended after its turns).
    /// </param>
    Task<AgentRunResult> RunNewTurnAsync(OrgId orgId, AgentRunRequest request, string turnId, bool newConversation, CancellationToken cancellationToken);

    IAsyncEnumerable<AgentStreamUpdate> RunStreamingAsync(OrgId orgId, AgentRunRequest request, CancellationToken cancellationToken);
}
