using AgentFunctions.Agents;

namespace AgentFunctions.Jobs;

/// <summary>
/// The job life cycle, pure (no I/O, time passed in):
/// <c>queued → running → succeeded | failed</c>, <c>running → queued</c> (an attempt failed, the
/// queue redelivers), <c>running → running</c> (a dead claim is taken over), <c>queued → failed</c>
/// (not enqueued, or poisoned before any attempt). Finished jobs never change again.
/// </summary>
internal static class JobStateMachine
{
    /// <summary>Longest stored error reason; longer reasons end with an explicit marker.</summary>
    public const int MaxErrorLength = 4_000;

    public static bool CanTransition(JobStatus from, JobStatus to) => (from, to) switch
    {
        (JobStatus.Queued, JobStatus.Running) => true,
        (JobStatus.Queued, JobStatus.Failed) => true,
        (JobStatus.Running, JobStatus.Running) => true,
        (JobStatus.Running, JobStatus.Queued) => true,
        (JobStatus.Running, JobStatus.Succeeded) => true,
        (JobStatus.Running, JobStatus.Failed) => true,
        _ => false,
    };

    /// <summary>
    /// A running job is taken over when the delivery holding it is provably over — the same message
    /// is delivered again (the queue only shows it again after its holder failed or died) — or when
    /// its claim is older than <paramref name="lease"/> (a holder that can no longer finish). A claim
    /// naming this delivery's message and dequeue count is this delivery's own (its write's answer was lost).
    /// </summary>
    public static ClaimDecision Decide(JobRecord job, JobDelivery delivery, DateTimeOffset now, TimeSpan lease)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(delivery);
        return job.Status switch
        {
            JobStatus.Succeeded or JobStatus.Failed => ClaimDecision.AlreadyFinished,
            JobStatus.Queued => ClaimDecision.Claim,
            _ when IsThisDelivery(job, delivery) => ClaimDecision.OwnClaim,
            _ when IsRedeliveryOfClaim(job, delivery) => ClaimDecision.Claim,
            _ when job.StartedAt is not { } started || started + lease <= now => ClaimDecision.Claim,
            _ => ClaimDecision.HeldByOther,
        };
    }

    public static JobRecord Claim(JobRecord job, JobDelivery delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        Ensure(job, JobStatus.Running);
        return job with
        {
            Status = JobStatus.Running,
            Attempts = job.Attempts + 1,
            StartedAt = now,
            ClaimMessageId = delivery.MessageId,
            ClaimDequeueCount = delivery.DequeueCount,
        };
    }

    public static JobRecord Succeed(JobRecord job, AgentRunResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        Ensure(job, JobStatus.Succeeded);
        return job with { Status = JobStatus.Succeeded, Output = result.Output, Usage = result.Usage, Error = null, CompletedAt = now };
    }

    /// <summary>An attempt failed and will be retried by the queue: back to queued, the reason kept for callers.</summary>
    public static JobRecord Release(JobRecord job, string reason)
    {
        Ensure(job, JobStatus.Queued);
        return job with { Status = JobStatus.Queued, Error = Bound(reason) };
    }

    public static JobRecord Fail(JobRecord job, string reason, DateTimeOffset now)
    {
        Ensure(job, JobStatus.Failed);
        return job with { Status = JobStatus.Failed, Error = Bound(reason), CompletedAt = now };
    }

    /// <summary>A queue shows a message to one receiver per dequeue count: the claim that names both was written by this delivery.</summary>
    private static bool IsThisDelivery(JobRecord job, JobDelivery delivery) =>
        delivery.MessageId is not null
        && string.Equals(job.ClaimMessageId, delivery.MessageId, StringComparison.Ordinal)
        && delivery.DequeueCount == job.ClaimDequeueCount;

    private static bool IsRedeliveryOfClaim(JobRecord job, JobDelivery delivery) =>
        delivery.MessageId is not null
        && string.Equals(job.ClaimMessageId, delivery.MessageId, StringComparison.Ordinal)
        && delivery.DequeueCount > job.ClaimDequeueCount;

    private static void Ensure(JobRecord job, JobStatus to)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!CanTransition(job.Status, to))
        {
            throw new InvalidOperationException($"Job {job.JobId} cannot go from {job.Status} to {to}.");
        }
    }

    private const string TruncatedMarker = " … (reason truncated)";

    private static string Bound(string reason) =>
        reason.Length <= MaxErrorLength ? reason : string.Concat(reason.AsSpan(0, MaxErrorLength - TruncatedMarker.Length), TruncatedMarker);
}
