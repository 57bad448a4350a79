using System.Buffers;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Okapi BM25 (k1 = 1.2, b = 0.75) over a fixed set of texts: an inverted index from each term to the texts holding
/// it and how often. Terms are maximal runs of letters and digits, lower-cased (invariant culture).
/// Immutable once built; safe to search from many threads.
/// </summary>
internal sealed class Bm25Index
{
    private const float K1 = 1.2f;
    private const float B = 0.75f;
    private const int MaxTermLength = 64;

    private readonly Dictionary<string, Posting[]> _postings;
    private readonly int[] _lengths;
    private readonly float _averageLength;

    private Bm25Index(Dictionary<string, Posting[]> postings, int[] lengths)
    {
        _postings = postings;
        _lengths = lengths;
        _averageLength = lengths.Length == 0 ? 1 : Math.Max(1, (float)lengths.Average());
    }

    /// <summary>Postings held (one per distinct term of each text): the index's size, for memory accounting.</summary>
    public long PostingCount { get; private init; }

    public static Bm25Index Build(IReadOnlyList<string> texts)
    {
        var building = new Dictionary<string, List<Posting>>(StringComparer.Ordinal);
        var lengths = new int[texts.Count];
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        long postingCount = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            counts.Clear();
            foreach (var term in Terms(texts[i]))
            {
                counts[term] = counts.GetValueOrDefault(term) + 1;
                lengths[i]++;
            }

            foreach (var (term, count) in counts)
            {
                if (!building.TryGetValue(term, out var list))
                {
                    building[term] = list = [];
                }

                list.Add(new Posting(i, count));
                postingCount++;
            }
        }

        var postings = building.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
        return new Bm25Index(postings, lengths) { PostingCount = postingCount };
    }

    /// <summary>
    /// The texts matching at least one query term, best first (at most <paramref name="depth"/>), with their BM25 scores;
    /// equal scores in text order. Scores add up in one pooled array per search (a common term's postings cover most texts).
    /// </summary>
    public List<(int Index, float Score)> Search(string query, int depth)
    {
        var scores = ArrayPool<float>.Shared.Rent(_lengths.Length);
        try
        {
            var span = scores.AsSpan(0, _lengths.Length);
            span.Clear();
            var matched = false;
            foreach (var term in Terms(query).Distinct(StringComparer.Ordinal))
            {
                if (!_postings.TryGetValue(term, out var postings))
                {
                    continue;
                }

                matched = true;
                var idf = MathF.Log(1 + ((_lengths.Length - postings.Length + 0.5f) / (postings.Length + 0.5f)));
                foreach (var posting in postings)
                {
                    var tf = posting.Count;
                    var norm = K1 * (1 - B + (B * _lengths[posting.Index] / _averageLength));
                    span[posting.Index] += idf * tf * (K1 + 1) / (tf + norm);
                }
            }

            // A matching text scores above 0 (idf and tf are positive): the rest are dropped from the best.
            return matched ? TopK.Select(span, depth).FindAll(hit => hit.Score > 0) : [];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>The terms of a text, in order, lower-cased; over-long runs are cut (they are ids or noise, not words).</summary>
    public static IEnumerable<string> Terms(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inTerm = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inTerm && start < 0)
            {
                start = i;
            }
            else if (!inTerm && start >= 0)
            {
                yield return text.Substring(start, Math.Min(i - start, MaxTermLength)).ToLowerInvariant();
                start = -1;
            }
        }
    }

    private readonly record struct Posting(int Index, int Count);
}
