using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Knowledge;

/// <summary>A knowledge store that records what it is asked and answers searches with <see cref="Hits"/>.</summary>
internal sealed class RecordingKnowledgeStore : IKnowledgeStore
{
    public List<(OrgId Org, KnowledgeDocument Document, IReadOnlyList<KnowledgeChunk> Chunks)> Replaced { get; } = [];

    public List<(OrgId Org, string Text, ReadOnlyMemory<float> Vector, int Top)> Searches { get; } = [];

    public IReadOnlyList<KnowledgeHit> Hits { get; set; } = [];

    /// <summary>What <see cref="GetStatsAsync"/> answers (the org's chunks; the document's).</summary>
    public KnowledgeStats Stats { get; set; } = new(1, 0);

    public Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken)
    {
        Replaced.Add((orgId, document, chunks));
        return Task.CompletedTask;
    }

    public Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken) => Task.FromResult(false);

    public IAsyncEnumerable<ExportedDocument> ExportAsync(OrgId orgId, CancellationToken cancellationToken) =>
        Replaced.Where(r => r.Org == orgId).Select(r => new ExportedDocument(r.Document.DocumentId, r.Document.Title, r.Document.Metadata, [.. r.Chunks.Select(c => c.Content)])).ToAsyncEnumerable();

    /// <summary>Like the real stores: an org without chunks (<see cref="Stats"/>) answers without asking for the query vector.</summary>
    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, Func<CancellationToken, Task<ReadOnlyMemory<float>>> queryVector, int top, CancellationToken cancellationToken)
    {
        if (Stats.OrgChunks == 0)
        {
            return [];
        }

        Searches.Add((orgId, queryText, await queryVector(cancellationToken), top));
        return Hits;
    }

    public Task<KnowledgeStats> GetStatsAsync(OrgId orgId, string? documentId, CancellationToken cancellationToken) => Task.FromResult(Stats);

    public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) => Task.CompletedTask;
}
