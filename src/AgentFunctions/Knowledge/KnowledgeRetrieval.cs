using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The agent's way into the org's knowledge, shared by automatic retrieval and the <c>search_knowledge</c> tool:
/// hybrid with an embedding model, lexical without one; an org with no knowledge is answered from one point read,
/// with no embedding call. Each search is timed in <c>agent.retrieval.duration</c>. An embedding model that is
/// configured but failing fails the run (<c>model_unavailable</c>) rather than answering silently without the org's knowledge.
/// </summary>
internal sealed partial class KnowledgeRetrieval(
    KnowledgeService knowledge,
    AgentMetrics metrics,
    TimeProvider time,
    ILogger<KnowledgeRetrieval> logger)
{
    /// <summary>
    /// The org's best chunks for a text. A long text is searched by its first <see cref="KnowledgeService.MaxQueryLength"/>
    /// characters (an agent input may be longer than a search query; embedding models have input limits).
    /// </summary>
    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string query, int top, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var text = query.Length > KnowledgeService.MaxQueryLength ? query[..KnowledgeService.MaxQueryLength] : query;
        var hits = await knowledge.RetrieveAsync(orgId, text, top, cancellationToken).ConfigureAwait(false);
        var latency = time.GetElapsedTime(started);
        metrics.RecordRetrieval(orgId, latency);
        LogRetrieved(logger, orgId.Value, hits.Count, (long)latency.TotalMilliseconds);
        return hits;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Retrieved {ChunkCount} knowledge chunks for org {OrgId} in {RetrievalLatencyMs} ms")]
    private static partial void LogRetrieved(ILogger logger, string orgId, int chunkCount, long retrievalLatencyMs);
}
