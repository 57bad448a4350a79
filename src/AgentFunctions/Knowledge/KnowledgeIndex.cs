using System.Buffers;
using System.Numerics.Tensors;

namespace AgentFunctions.Knowledge;

/// <summary>
/// One org's knowledge at one version, in memory and immutable (shared by concurrent searches): the chunks, a BM25
/// index over title + content, and the unit-normalized vectors in one contiguous array per vector length.
/// Search is lexical (BM25) when the query has no vector, else hybrid: the vector ranking (exact cosine, a SIMD
/// dot product per chunk with <see cref="TensorPrimitives"/>, the scan split over the cores for large orgs) and the
/// lexical ranking, each to <see cref="FusionDepth"/>, fused by reciprocal rank (k = 60; equal scores share a rank).
/// </summary>
internal sealed class KnowledgeIndex : IKnowledgeSnapshot
{
    /// <summary>Candidates taken from each ranking before fusion.</summary>
    public const int FusionDepth = KnowledgeArguments.MaxTop;

    private const int RrfK = 60;

    /// <summary>Below this many multiply-adds a scan is faster on one thread than split.</summary>
    private const long ParallelScanThreshold = 4_000_000;

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
        var lexical = Bm25Index.Build(chunks.Select(chunk => $"{chunk.Title}\n{chunk.Content}").ToList());
        var blocks = new Dictionary<int, VectorBlock>();
        foreach (var group in Enumerable.Range(0, chunks.Count).Where(i => !vectors[i].IsEmpty).GroupBy(i => vectors[i].Length))
        {
            var rows = group.ToArray();
            var matrix = new float[rows.Length * group.Key];
            for (var r = 0; r < rows.Length; r++)
            {
                vectors[rows[r]].Span.CopyTo(matrix.AsSpan(r * group.Key, group.Key));
            }

            blocks[group.Key] = new VectorBlock(group.Key, matrix, rows);
        }

        var bytes = (lexical.PostingCount * 8)
            + blocks.Values.Sum(block => (block.Matrix.Length * 4L) + (block.Rows.Length * 4L))
            + chunks.Sum(chunk => 64L + (2L * (chunk.Content.Length + chunk.DocumentId.Length)));
        return new KnowledgeIndex(version, [.. chunks], lexical, blocks, bytes);
    }

    public IReadOnlyList<KnowledgeHit> Search(string text, ReadOnlyMemory<float> queryVector, int top)
    {
        var lexical = _lexical.Search(text, FusionDepth);
        List<(int Index, float Score)> ranked;
        if (queryVector.IsEmpty)
        {
            ranked = lexical;
        }
        else
        {
            var nearest = _vectors.TryGetValue(queryVector.Length, out var block) ? Nearest(block, VectorMath.Normalize(queryVector.Span)) : [];
            ranked = Fuse(nearest, lexical);
        }

        return [.. ranked.Take(top).Select(r => new KnowledgeHit(_chunks[r.Index].DocumentId, _chunks[r.Index].Chunk, _chunks[r.Index].Title, _chunks[r.Index].Content, r.Score))];
    }

    private static List<(int Index, float Score)> Nearest(VectorBlock block, float[] query)
    {
        var rows = block.Rows.Length;
        var scores = ArrayPool<float>.Shared.Rent(rows); // large orgs: no large-object allocation per search
        try
        {
            var parts = (long)rows * block.Dimensions >= ParallelScanThreshold ? Environment.ProcessorCount : 1;
            if (parts == 1)
            {
                Score(block, query, scores, 0, rows);
            }
            else
            {
                Parallel.For(0, parts, p => Score(block, query, scores, (int)((long)rows * p / parts), (int)((long)rows * (p + 1) / parts)));
            }

            return [.. TopK.Select(scores.AsSpan(0, rows), FusionDepth).Select(r => (block.Rows[r.Index], r.Score))];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    private static void Score(VectorBlock block, float[] query, float[] scores, int from, int to)
    {
        var dimensions = block.Dimensions;
        for (var r = from; r < to; r++)
        {
            scores[r] = TensorPrimitives.Dot(query, block.Matrix.AsSpan(r * dimensions, dimensions));
        }
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

    /// <summary>Vectors of one length: row r of <see cref="Matrix"/> is chunk <see cref="Rows"/>[r].</summary>
    private sealed record VectorBlock(int Dimensions, float[] Matrix, int[] Rows);
}
