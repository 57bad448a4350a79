using AgentFunctions.Tenancy;

namespace AgentFunctions.Knowledge;

/// <summary>A document's fields that every one of its chunks carries.</summary>
/// <param name="Metadata">The caller's metadata as compact JSON, or null.</param>
internal sealed record KnowledgeDocument(string DocumentId, string Title, string? Metadata);

/// <summary>One chunk of a document, numbered from 0, with its embedding and where it is (PDF page, heading path; see <see cref="DocumentSection"/>).</summary>
internal sealed record KnowledgeChunk(int Number, string Content, ReadOnlyMemory<float> Embedding, int? Page = null, string? Section = null);

/// <summary>A stored document as exported: its fields and its chunks' text, in chunk order.</summary>
internal sealed record ExportedDocument(string DocumentId, string Title, string? Metadata, IReadOnlyList<string> Chunks);

/// <summary>A search result: a chunk, where it is in its document, and its score (higher is better; the scale is the backend's).</summary>
internal sealed record KnowledgeHit(string DocumentId, int Chunk, string Title, string Content, double Score, int? Page = null, string? Section = null);

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
    /// the org has knowledge (an empty org costs no embedding call); lexical when it gives an empty vector, else hybrid.
    /// </summary>
    Task<IReadOnlyList<KnowledgeHit>> SearchAsync(OrgId orgId, string queryText, Func<CancellationToken, Task<ReadOnlyMemory<float>>> queryVector, int top, CancellationToken cancellationToken);

    /// <summary>How many chunks the org holds, and the document (0 when it has none); one or two point reads.</summary>
    Task<KnowledgeStats> GetStatsAsync(OrgId orgId, string? documentId, CancellationToken cancellationToken);

    /// <summary>Every document of the org with its chunks' text in order, one document at a time (export).</summary>
    IAsyncEnumerable<ExportedDocument> ExportAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>Removes every chunk of the org (offboarding); safe to call again after an interruption.</summary>
    Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken);
}

internal static class KnowledgeArguments
{
    public const int MaxTop = 50;

    public static void DocumentId(string documentId)
    {
        if (!Identifiers.IsResourceId(documentId))
        {
            throw new ArgumentException("The document id is not a valid resource id.", nameof(documentId));
        }
    }

    public static void Top(int top)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(top, MaxTop);
    }

    public static void Chunks(IReadOnlyList<KnowledgeChunk> chunks)
    {
        for (var i = 0; i < chunks.Count; i++)
        {
            if (chunks[i].Number != i)
            {
                throw new ArgumentException("Chunks must be numbered 0, 1, 2, ... in order.", nameof(chunks));
            }
        }
    }
}
