using AgentFunctions.Agents;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Jobs;

/// <summary>
/// One queued agent run, as stored in the <c>Jobs</c> table (see <see cref="JobEntity"/> for the
/// schema). <see cref="ClaimMessageId"/>/<see cref="ClaimDequeueCount"/> say which queue delivery
/// holds the running claim, so a redelivery of that same message can take over at once.
/// </summary>
internal sealed record JobRecord(
    OrgId OrgId,
    string JobId,
    JobStatus Status,
    string Input,
    string ConversationId,
    int Attempts,
    DateTimeOffset CreatedAt,
    string? Output = null,
    string? Error = null,
    AgentUsage? Usage = null,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? CompletedAt = null,
    string? ClaimMessageId = null,
    long ClaimDequeueCount = 0,
    Azure.ETag ETag = default,
    string? Principal = null)
{
    /// <summary>The agent that runs the job (null: <c>default</c>).</summary>
    public string? Agent { get; init; }

    /// <summary>
    /// True when <see cref="ConversationId"/> was generated at submit (the client named none), so the job's first attempt
    /// runs it as a new conversation: no history is read. False for a client's conversation and for rows stored before
    /// this was recorded.
    /// </summary>
    public bool NewConversation { get; init; }

    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed;
}
