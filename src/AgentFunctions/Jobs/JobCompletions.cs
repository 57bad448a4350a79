using System.Collections.Concurrent;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Jobs;

/// <summary>
/// Wakes the status reads of this instance that wait for a job (<c>GET /api/jobs/{jobId}?wait=</c>) when this instance
/// finishes it. A signal carries nothing: the waiter reads the job again in its own org's partition. A job finished on
/// another instance is seen by the waiter's periodic read instead. Entries live only while a read waits.
/// </summary>
internal sealed class JobCompletions
{
    private readonly ConcurrentDictionary<(string OrgId, string JobId), TaskCompletionSource> _watched = new();

    /// <summary>Jobs a status read on this instance is waiting for.</summary>
    public int Watched => _watched.Count;

    /// <summary>
    /// The signal of the job's end on this instance. A waiter takes it before it reads the job, so an end recorded between
    /// its read and its wait still wakes it; it gives it back with <see cref="Unwatch"/> whatever happens.
    /// </summary>
    public Task Watch(OrgId orgId, string jobId) =>
        _watched.GetOrAdd((orgId.Value, jobId), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Forgets a signal taken with <see cref="Watch"/> (another read of the same job then waits on its own reads).</summary>
    public void Unwatch(OrgId orgId, string jobId, Task watched)
    {
        var key = (orgId.Value, jobId);
        if (_watched.TryGetValue(key, out var signal) && signal.Task == watched)
        {
            _watched.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>(key, signal));
        }
    }

    /// <summary>The job is finished (succeeded or failed): its waiters on this instance read it now.</summary>
    public void Finished(OrgId orgId, string jobId)
    {
        if (_watched.TryRemove((orgId.Value, jobId), out var signal))
        {
            signal.TrySetResult();
        }
    }
}
