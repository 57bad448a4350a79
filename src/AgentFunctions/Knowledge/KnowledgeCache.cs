using System.Collections.Concurrent;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Knowledge;

/// <summary>
/// This instance's in-memory snapshots (<see cref="KnowledgeIndex"/>es, or AI Search's document generations) of recently searched orgs, bounded in bytes across all
/// orgs (<c>Knowledge__CacheMegabytes</c>), least recently used evicted first. An entry is only used while it is at the
/// org's current knowledge version (the store reads it with one point read per search), so a write made through any
/// instance is seen by the next search everywhere. A miss loads the org once, however many searches wait for it.
/// An org whose index alone exceeds the budget is searched from a fresh load every time and never cached.
/// </summary>
internal sealed class KnowledgeCache<T>(IOptions<KnowledgeOptions> options)
    where T : class, IKnowledgeSnapshot
{
    private readonly long _capacity = options.Value.CacheMegabytes * 1024L * 1024L;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Org, T Index)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Org, T Index)> _recency = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _loading = new(StringComparer.Ordinal);
    private long _bytes;

    /// <summary>Bytes held now (the indexes' estimates).</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// The org's index at <paramref name="version"/>, from memory or from <paramref name="load"/> (which may return a
    /// newer version, read after a concurrent write).
    /// </summary>
    public async Task<T> GetAsync(OrgId orgId, string version, Func<CancellationToken, Task<T>> load, CancellationToken cancellationToken)
    {
        if (TryGet(orgId.Value, version) is { } cached)
        {
            return cached;
        }

        var gate = _loading.GetOrAdd(orgId.Value, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryGet(orgId.Value, version) is { } loadedMeanwhile)
            {
                return loadedMeanwhile;
            }

            var index = await load(cancellationToken).ConfigureAwait(false);
            Put(orgId.Value, index);
            return index;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The org's entry at whatever version it was read, or null; its recency unchanged.</summary>
    public T? Peek(OrgId orgId)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(orgId.Value, out var node) ? node.Value.Index : null;
        }
    }

    /// <summary>Drops the org's entry (its knowledge is gone).</summary>
    public void Forget(OrgId orgId)
    {
        lock (_lock)
        {
            Remove(orgId.Value);
        }
    }

    private T? TryGet(string org, string version)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(org, out var node) || node.Value.Index.Version != version)
            {
                return null;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value.Index;
        }
    }

    private void Put(string org, T index)
    {
        lock (_lock)
        {
            Remove(org);
            if (index.Bytes > _capacity)
            {
                return;
            }

            _entries[org] = _recency.AddFirst((org, index));
            _bytes += index.Bytes;
            while (_bytes > _capacity && _recency.Last is { } weakest)
            {
                _recency.RemoveLast();
                _entries.Remove(weakest.Value.Org);
                _bytes -= weakest.Value.Index.Bytes;
            }
        }
    }

    /// <summary>Drops the org's entry, if any; the caller holds the lock.</summary>
    private void Remove(string org)
    {
        if (_entries.Remove(org, out var node))
        {
            _recency.Remove(node);
            _bytes -= node.Value.Index.Bytes;
        }
    }
}
