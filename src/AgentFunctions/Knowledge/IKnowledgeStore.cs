using AgentFunctions.Tenancy;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The vector index of every org's knowledge. Every method takes the org, and nothing it does reads,
/// returns or removes a chunk of another org. Document ids must satisfy
/// <see cref="Identifiers.IsResourceId"/> (an <see cref="ArgumentException"/> otherwise, before any I/O).
/// </summary>
internal interface IKnowledgeStore
{
    /// <summary>
    /// Stores the chunks as the document's only content, atomically: a search sees either the earlier version's chunks
    /// or these, never a mix, and of two concurrent replaces exactly one version remains. A chunk's embedding may be
    /// empty (no embedding model): it is then found lexically only. Throws <see cref="KnowledgeLimitExceededException"/>,
    /// having written nothing that stays, when the org would hold more than <c>Knowledge__MaxChunksPerOrg</c> chunks.
    /// </summary>
    Task ReplaceDocumentAsync(OrgId orgId, KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken cancellationToken);

    /// <summary>Removes every chunk of the document in this org; false when it had none.</summary>
    Task<bool> DeleteDocumentAsync(OrgId orgId, string documentId, CancellationToken cancellationToken);

    /// <summary>
    /// At most <paramref name="top"/> chunks of this org, best first. <paramref name="queryVector"/> is called only when
    /// the org has knowledge (an empty org costs no embedding call), except that the embedded backend calls it while it
    /// reads the org's version when this instance last found the org with knowledge (so an org whose knowledge was all
    /// deleted costs one more call per instance); lexical when it gives an empty vector, else hybrid.
    /// </summary>
    Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, Func<CancellationToken, Task<ReadOnlyMemory<float>>> queryVector, int top, CancellationToken cancellationToken);

    /// <summary>How many chunks the org holds, and the document (0 when it has none); one or two point reads.</summary>
    Task<KnowledgeStats> GetStatsAsync(OrgId orgId, string? documentId, CancellationToken cancellationToken);

    /// <summary>Every document of the org with its chunks' text in order, one document at a time (export).</summary>
    IAsyncEnumerable<ExportedDocument> ExportAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>Removes every chunk of the org (offboarding); safe to call again after an interruption.</summary>
    Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken);
}
