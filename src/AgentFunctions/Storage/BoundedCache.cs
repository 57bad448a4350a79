namespace AgentFunctions.Storage;

/// <summary>
/// A per-instance cache of storage reads with a size bound and an expiry per entry: a hit moves the entry to the
/// front, and adding to a full cache evicts the least recently used entry (expired ones go first on access). Unlike
/// clearing a full dictionary, a stream of new keys only ever pushes out the entries nobody used recently.
/// Thread-safe (one lock; every operation is O(1) except <see cref="RemoveWhere"/> and <see cref="Values"/>).
/// </summary>
internal sealed class BoundedCache<TKey, TValue>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries;
    private readonly LinkedList<Entry> _recency = new();

    public BoundedCache(int capacity, TimeProvider time, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _time = time;
        _entries = new Dictionary<TKey, LinkedListNode<Entry>>(comparer);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (_time.GetTimestamp() < node.Value.ExpiresAt)
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }

                Unlink(node);
            }
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value, TimeSpan timeToLive)
    {
        var entry = new Entry(key, value, _time.GetTimestamp() + (long)(timeToLive.TotalSeconds * _time.TimestampFrequency));
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                Unlink(existing);
            }
            else if (_entries.Count >= _capacity)
            {
                Unlink(_recency.Last!);
            }

            _entries[key] = _recency.AddFirst(entry);
        }
    }

    public void Remove(TKey key)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                Unlink(node);
            }
        }
    }

    public void RemoveWhere(Func<TKey, bool> match)
    {
        lock (_gate)
        {
            foreach (var node in _entries.Values.Where(n => match(n.Value.Key)).ToList())
            {
                Unlink(node);
            }
        }
    }

    /// <summary>A snapshot of the cached values, expired ones included (for disposal).</summary>
    public IReadOnlyList<TValue> Values()
    {
        lock (_gate)
        {
            return [.. _recency.Select(e => e.Value)];
        }
    }

    private void Unlink(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
    }

    private sealed record Entry(TKey Key, TValue Value, long ExpiresAt);
}
