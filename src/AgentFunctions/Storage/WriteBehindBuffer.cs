using System.Collections.Concurrent;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Storage;

/// <summary>
/// Entries held per org until <see cref="FlushAsync"/> writes them, in the order they were added, at most
/// <c>maxBatch</c> per write (one transaction of the org's partition). Flushes of one org run one at a time, so a flush
/// also writes what concurrent invocations of the org added before it (group commit). A failed write keeps its entries:
/// the next flush writes them again, and nothing is dropped (the bound only tells callers to stop adding, see
/// <see cref="IsFull"/>). Thread-safe.
/// </summary>
internal sealed class WriteBehindBuffer<TEntry>(Func<OrgId, IReadOnlyList<TEntry>, CancellationToken, Task> write, int maxBatch, int maxPending)
{
    private readonly ConcurrentDictionary<OrgId, OrgEntries> _orgs = new();
    private readonly AsyncLocal<bool> _deferring = new();
    private int _pending;

    /// <summary>True in an async flow inside <see cref="Defer"/>: its writes are held for the end of the invocation.</summary>
    public bool Deferring => _deferring.Value;

    /// <summary>
    /// Holds this async flow's writes until the returned scope ends (and a flush writes them); 503
    /// <c>storage_unavailable</c> when the buffer is full (<see cref="IsFull"/>).
    /// </summary>
    public IDisposable Defer()
    {
        if (IsFull)
        {
            throw ApiException.StorageUnavailable();
        }

        _deferring.Value = true;
        return new DeferScope(this);
    }

    /// <summary>Entries held across orgs, not yet written.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>True when the held entries reached the bound: callers refuse new work until a flush succeeds.</summary>
    public bool IsFull => Pending >= maxPending;

    public void Add(OrgId orgId, TEntry entry)
    {
        var org = _orgs.GetOrAdd(orgId, _ => new OrgEntries());
        lock (org.Gate)
        {
            org.Entries.Add(entry);
        }

        Interlocked.Increment(ref _pending);
    }

    /// <summary>A copy of the org's held entries (what counts until it is written).</summary>
    public IReadOnlyList<TEntry> Held(OrgId orgId)
    {
        if (!_orgs.TryGetValue(orgId, out var org))
        {
            return [];
        }

        lock (org.Gate)
        {
            return [.. org.Entries];
        }
    }

    /// <summary>
    /// The orgs holding entries now; with <paramref name="failedOnly"/>, only those whose last write failed (the others'
    /// entries belong to invocations still running, which write them when they end).
    /// </summary>
    private IReadOnlyList<OrgId> OrgsHolding(bool failedOnly) =>
        [.. _orgs.Where(o => o.Value.Count > 0 && (!failedOnly || o.Value.Failed)).Select(o => o.Key)];

    /// <summary>
    /// Writes every entry the org held when called (and what arrives meanwhile within the same batches); returns once they
    /// are stored. Throws what the write threw, with the unwritten entries still held.
    /// </summary>
    public async Task FlushAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        if (!_orgs.TryGetValue(orgId, out var org))
        {
            return;
        }

        await org.Flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                TEntry[] batch;
                lock (org.Gate)
                {
                    batch = [.. org.Entries.Take(maxBatch)];
                }

                if (batch.Length == 0)
                {
                    return;
                }

                try
                {
                    await write(orgId, batch, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    org.Failed = true;
                    throw;
                }

                lock (org.Gate)
                {
                    org.Entries.RemoveRange(0, batch.Length);
                    org.Failed = false;
                }

                Interlocked.Add(ref _pending, -batch.Length);
            }
        }
        finally
        {
            org.Flushing.Release();
        }
    }

    /// <summary>Writes what every org holds, or with <paramref name="failedOnly"/> what the orgs whose last write failed hold.</summary>
    public async Task FlushAllAsync(bool failedOnly, CancellationToken cancellationToken)
    {
        foreach (var orgId in OrgsHolding(failedOnly))
        {
            await FlushAsync(orgId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Leaves what the org holds to the background retry (<see cref="OrgsHolding"/> with failedOnly), storage being unavailable.</summary>
    public void LeaveForRetry(OrgId orgId)
    {
        if (_orgs.TryGetValue(orgId, out var org))
        {
            org.Failed = true;
        }
    }

    /// <summary>Drops what the org holds (its data is being deleted) once no flush of it is running.</summary>
    public async Task ForgetAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        if (!_orgs.TryGetValue(orgId, out var org))
        {
            return;
        }

        await org.Flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (org.Gate)
            {
                Interlocked.Add(ref _pending, -org.Entries.Count);
                org.Entries.Clear();
            }
        }
        finally
        {
            org.Flushing.Release();
        }
    }

    private sealed class DeferScope(WriteBehindBuffer<TEntry> buffer) : IDisposable
    {
        public void Dispose() => buffer._deferring.Value = false;
    }

    private sealed class OrgEntries
    {
        public Lock Gate { get; } = new();

        public List<TEntry> Entries { get; } = [];

        public SemaphoreSlim Flushing { get; } = new(1, 1);

        /// <summary>The last write failed: the entries wait for a retry, not for their invocations.</summary>
        public bool Failed { get; set; }

        public int Count
        {
            get
            {
                lock (Gate)
                {
                    return Entries.Count;
                }
            }
        }
    }
}
