namespace AgentFunctions.Knowledge;

/// <summary>
/// One org's knowledge at one version, in memory and immutable (shared by concurrent searches): the chunks, a BM25
/// index over title + content, and the unit-normalized vectors in one <see cref="VectorBlock"/> per vector length.
/// Search is lexical (BM25) when the query has no vector, else hybrid: the vector ranking (exact cosine: a SIMD scan of
/// int8 codes, split over the cores for large orgs, then the rows that could still be among the best re-scored at full
/// precision, so it equals the exact float scan) and the lexical ranking, each to <see cref="FusionDepth"/>, fused by
/// reciprocal rank (k = 60; equal scores share a rank).
/// </summary>
internal sealed class KnowledgeIndex : IKnowledgeSnapshot
{
    /// <summary>Candidates taken from each ranking before fusion.</summary>
    public const int FusionDepth = KnowledgeArguments.MaxTop;

    private const int RrfK = 60;

    private readonly IndexedChunk[] _chunks;
    private readonly Bm25Index _lexical;
    private readonly Dictionary<int, VectorBlock> _vectors;

    private KnowledgeIndex(string version, IndexedChunk[] chunks, Bm25Index lexical, Dictionary<int, VectorBlock> vectors, long bytes)
    {
        Version = version;
        _chunks = chunks;
        _lexical = lexical;
        _vectors = vectors;
        Bytes = bytes;
    }

    /// <summary>The org's knowledge version this index was read at.</summary>
    public string Version { get; }

    public int Count => _chunks.Length;

    /// <summary>An estimate of the memory held (vectors, texts, postings), for the cache's byte budget.</summary>
    public long Bytes { get; }

    /// <summary>
    /// Builds the index. <paramref name="vectors"/>[i] is chunk i's unit vector, or empty when it has none (stored
    /// without an embedding model): such a chunk is found lexically only, as is one whose vector length differs from the query's.
    /// </summary>
    public static KnowledgeIndex Build(string version, IReadOnlyList<IndexedChunk> chunks, IReadOnlyList<ReadOnlyMemory<float>> vectors)
    {
        var lexical = Bm25Index.Build(chunks.Select(chunk => $"{chunk.Title}\n{chunk.Section}\n{chunk.Content}").ToList());
        var blocks = Enumerable.Range(0, chunks.Count).Where(i => !vectors[i].IsEmpty).GroupBy(i => vectors[i].Length)
            .ToDictionary(group => group.Key, group =>
            {
                var rows = group.ToArray();
                return VectorBlock.Build(group.Key, rows, r => vectors[rows[r]].Span);
            });

        var bytes = (lexical.PostingCount * 8)
            + blocks.Values.Sum(block => block.Bytes)
            + chunks.Sum(chunk => 64L + (2L * (chunk.Content.Length + chunk.DocumentId.Length + (chunk.Section?.Length ?? 0))));
        return new KnowledgeIndex(version, [.. chunks], lexical, blocks, bytes);
    }

    public IReadOnlyList<KnowledgeHit> Search(string text, ReadOnlyMemory<float> queryVector, int top) => Search(Lexical(text), queryVector, top);

    /// <summary>
    /// The lexical half of a search of <paramref name="text"/>: it needs no query vector, so a store computes it while
    /// the query is being embedded and passes it to <see cref="Search(List{ValueTuple{int, float}}, ReadOnlyMemory{float}, int)"/>.
    /// </summary>
    public List<(int Index, float Score)> Lexical(string text) => _lexical.Search(text, FusionDepth);

    /// <summary>The search of the text whose <see cref="Lexical"/> ranking (of this index) is given: the vector half and the fusion.</summary>
    public IReadOnlyList<KnowledgeHit> Search(List<(int Index, float Score)> lexical, ReadOnlyMemory<float> queryVector, int top)
    {
        List<(int Index, float Score)> ranked;
        if (queryVector.IsEmpty)
        {
            ranked = lexical;
        }
        else
        {
            var nearest = _vectors.TryGetValue(queryVector.Length, out var block) ? block.Nearest(VectorMath.Normalize(queryVector.Span), FusionDepth) : [];
            ranked = Fuse(nearest, lexical);
        }

        return [.. ranked.Take(top).Select(r =>
        {
            var chunk = _chunks[r.Index];
            return new KnowledgeHit(chunk.DocumentId, chunk.Chunk, chunk.Title, chunk.Content, r.Score, chunk.Page, chunk.Section);
        })];
    }

    /// <summary>Reciprocal rank fusion: each chunk scores the sum over the rankings of 1 / (60 + its rank there).</summary>
    private static List<(int Index, float Score)> Fuse(params List<(int Index, float Score)>[] rankings)
    {
        var fused = new Dictionary<int, float>();
        foreach (var ranking in rankings)
        {
            var rank = 0;
            for (var i = 0; i < ranking.Count; i++)
            {
                if (i == 0 || ranking[i].Score != ranking[i - 1].Score)
                {
                    rank = i + 1;
                }

                fused[ranking[i].Index] = fused.GetValueOrDefault(ranking[i].Index) + (1f / (RrfK + rank));
            }
        }

        return TopK.Select(fused.Select(pair => (pair.Key, pair.Value)), FusionDepth);
    }

}
