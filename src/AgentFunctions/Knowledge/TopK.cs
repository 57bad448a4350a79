namespace AgentFunctions.Knowledge;

/// <summary>The k best of a stream of scored items in one pass (a min-heap of the winners so far).</summary>
internal static class TopK
{
    /// <summary>Weakest first: the lower score, and among equal scores the higher index (so ties keep the lower index).</summary>
    private static readonly Comparer<(float Score, int Index)> Weakest = Comparer<(float Score, int Index)>.Create(
        (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : b.Index.CompareTo(a.Index));

    /// <summary>The best <paramref name="k"/> items, best first; equal scores in index order.</summary>
    public static List<(int Index, float Score)> Select(IEnumerable<(int Index, float Score)> items, int k)
    {
        var heap = new PriorityQueue<int, (float Score, int Index)>(k + 1, Weakest);
        foreach (var (index, score) in items)
        {
            Offer(heap, index, score, k);
        }

        return Drain(heap);
    }

    /// <summary>The same over a dense array of scores (index = position); most scores lose to the weakest winner at one compare.</summary>
    public static List<(int Index, float Score)> Select(ReadOnlySpan<float> scores, int k)
    {
        var heap = new PriorityQueue<int, (float Score, int Index)>(k + 1, Weakest);
        var weakest = float.NegativeInfinity;
        for (var i = 0; i < scores.Length; i++)
        {
            // A later index with an equal score loses the tie, so only a strictly higher score can enter a full heap.
            if (heap.Count == k && !(scores[i] > weakest))
            {
                continue;
            }

            Offer(heap, i, scores[i], k);
            if (heap.Count == k)
            {
                heap.TryPeek(out _, out var root);
                weakest = root.Score;
            }
        }

        return Drain(heap);
    }

    private static void Offer(PriorityQueue<int, (float Score, int Index)> heap, int index, float score, int k)
    {
        if (heap.Count < k)
        {
            heap.Enqueue(index, (score, index));
        }
        else if (heap.TryPeek(out _, out var weakest) && Weakest.Compare((score, index), weakest) > 0)
        {
            heap.DequeueEnqueue(index, (score, index));
        }
    }

    private static List<(int Index, float Score)> Drain(PriorityQueue<int, (float Score, int Index)> heap)
    {
        var result = new List<(int Index, float Score)>(heap.Count);
        while (heap.TryDequeue(out var index, out var priority))
        {
            result.Add((index, priority.Score));
        }

        result.Reverse();
        return result;
    }
}
