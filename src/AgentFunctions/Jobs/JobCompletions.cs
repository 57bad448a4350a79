using System.Collections.Concurrent;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Jobs;

/// <summary>
/// Wakes the status reads of this instance that wait for a job (<c>GET /api/jobs/{jobId}?wait=</c>) when this instance
/// finishes it. A signal carries nothing: the waiter reads the job again in its own org's partition. A job finished on
/// another instance is seen by the waiter's periodic read instead.
/// </summary>
internal sealed class JobCompletions
{
    private readonly ConcurrentDictionary<(string OrgId, string JobId), TaskCompletionSource> _waiting = new();

    /// <summary>Jobs with a status read waiting for them on this instance.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Returns when the job is finished on this instance or <paramref name="timeout"/> has passed, whichever is first.</summary>
    public async Task WaitAsync(OrgId orgId, string jobId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var key = (orgId.Value, jobId);
        var signal = _waiting.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await signal.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The waiter reads the job again (it may have finished on another instance); an unfinished signal is dropped so
            // nothing is kept for a job no one finishes here. Other waiters of the job then fall back to their own reads.
            _waiting.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>(key, signal));
        }
    }

    /// <summary>The job is finished (succeeded or failed): its waiters on this instance read it now.</summary>
    public void Finished(OrgId orgId, string jobId)
    {
        if (_waiting.TryRemove((orgId.Value, jobId), out var signal))
        {
            signal.TrySetResult();
        }
    }
}
