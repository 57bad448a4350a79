using System.Diagnostics;
using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Where one agent turn's time goes: the app's own stores and meter wrapped so each phase is timed as it runs (turns
/// run one at a time; phases of one turn may overlap, so they need not add up to the turn).
/// </summary>
internal sealed class TurnPhases
{
    /// <summary>The phases, in the order of <see cref="Names"/>.</summary>
    private const int History = 0, Search = 1, QueryEmbedding = 2, AfterEmbedding = 3, EmbeddingMetering = 4, ModelCalledAt = 5, Append = 6, ChatMetering = 7;

    public static readonly string[] Names =
    [
        "history load", "knowledge search (point read, embedding, index)", "query embedding + its metering",
        "search after the embedding returned", "embedding metering",
        "model call reached after", "turn append", "chat metering",
    ];

    private readonly double[] _current = new double[Names.Length];
    private long _started;

    public List<double[]> Turns { get; } = [];

    public void Start()
    {
        Array.Clear(_current);
        _started = Stopwatch.GetTimestamp();
    }

    public void Stop() => Turns.Add((double[])_current.Clone());

    public void ModelCalled() => _current[ModelCalledAt] = Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

    private void Add(int phase, TimeSpan elapsed)
    {
        lock (_current)
        {
            _current[phase] += elapsed.TotalMilliseconds;
        }
    }

    public async Task<T> TimeAsync<T>(int phase, Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await work();
        }
        finally
        {
            Add(phase, Stopwatch.GetElapsedTime(started));
        }
    }

    public async ValueTask TimeAsync(int phase, Func<ValueTask> work) => await TimeAsync(phase, async () =>
    {
        await work();
        return true;
    });

    public sealed class Conversations(IConversationStore inner, TurnPhases phases) : IConversationStore
    {
        public Task<ConversationHistory> LoadHistoryAsync(OrgId orgId, string conversationId, ContextWindow window, CancellationToken cancellationToken) =>
            phases.TimeAsync(History, () => inner.LoadHistoryAsync(orgId, conversationId, window, cancellationToken));

        public Task<bool> AppendTurnAsync(OrgId orgId, string conversationId, ConversationTurn turn, CancellationToken cancellationToken) =>
            phases.TimeAsync(Append, () => inner.AppendTurnAsync(orgId, conversationId, turn, cancellationToken));

        public Task<ConversationTurn?> FindTurnAsync(OrgId orgId, string conversationId, string turnId, CancellationToken cancellationToken) => inner.FindTurnAsync(orgId, conversationId, turnId, cancellationToken);

        public Task<ConversationPage> ListAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken) => inner.ListAsync(orgId, limit, cursor, cancellationToken);

        public Task<MessagePage?> GetMessagesAsync(OrgId orgId, string conversationId, MessagePageRequest request, CancellationToken cancellationToken) => inner.GetMessagesAsync(orgId, conversationId, request, cancellationToken);

        public Task<bool> DeleteAsync(OrgId orgId, string conversationId, CancellationToken cancellationToken) => inner.DeleteAsync(orgId, conversationId, cancellationToken);

        public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => inner.DeleteAllAsync(orgId, cancellationToken);
    }

    public sealed class Knowledge(IKnowledgeStore inner, TurnPhases phases) : IKnowledgeStore
    {
        public Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken) => inner.ReplaceDocumentAsync(orgId, document, chunks, cancellationToken);

        public Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken) => inner.DeleteDocumentAsync(orgId, documentId, cancellationToken);

        public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, Func<CancellationToken, Task<ReadOnlyMemory<float>>> queryVector, int top, CancellationToken cancellationToken) =>
            phases.TimeAsync(Search, async () =>
            {
                var embedded = 0L;
                var hits = await inner.SearchAsync(orgId, queryText, ct => phases.TimeAsync(QueryEmbedding, async () =>
                {
                    var vector = await queryVector(ct);
                    embedded = Stopwatch.GetTimestamp();
                    return vector;
                }), top, cancellationToken);
                if (embedded != 0)
                {
                    phases.Add(AfterEmbedding, Stopwatch.GetElapsedTime(embedded));
                }

                return hits;
            });

        public Task<KnowledgeStats> GetStatsAsync(OrgId orgId, string? documentId, CancellationToken cancellationToken) => inner.GetStatsAsync(orgId, documentId, cancellationToken);

        public IAsyncEnumerable<ExportedDocument> ExportAsync(OrgId orgId, CancellationToken cancellationToken) => inner.ExportAsync(orgId, cancellationToken);

        public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => inner.DeleteAllAsync(orgId, cancellationToken);
    }

    public sealed class Meter(IUsageMeter inner, TurnPhases phases) : IUsageMeter
    {
        public ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken) => inner.EnsureWithinQuotaAsync(orgId, cancellationToken);

        public ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken) =>
            phases.TimeAsync(usage.EmbeddingTokens > 0 ? EmbeddingMetering : ChatMetering, () => inner.RecordAsync(orgId, usage, cancellationToken));
    }
}
