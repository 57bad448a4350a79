using AgentFunctions.Agents;
using AgentFunctions.Jobs;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Jobs;

public sealed class JobStateMachineTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private static JobRecord Queued() =>
        new(OrgId.Parse("org-a"), "job1", JobStatus.Queued, "hello", "conv1", 0, Now.AddMinutes(-1));

    private static JobRecord Running(string? messageId = "m1", long dequeueCount = 1, DateTimeOffset? startedAt = null) =>
        JobStateMachine.Claim(Queued(), new JobDelivery(messageId, dequeueCount), startedAt ?? Now.AddSeconds(-5));

    [Theory]
    [InlineData(nameof(JobStatus.Queued), nameof(JobStatus.Running), true)]
    [InlineData(nameof(JobStatus.Queued), nameof(JobStatus.Failed), true)]
    [InlineData(nameof(JobStatus.Running), nameof(JobStatus.Running), true)]
    [InlineData(nameof(JobStatus.Running), nameof(JobStatus.Queued), true)]
    [InlineData(nameof(JobStatus.Running), nameof(JobStatus.Succeeded), true)]
    [InlineData(nameof(JobStatus.Running), nameof(JobStatus.Failed), true)]
    [InlineData(nameof(JobStatus.Queued), nameof(JobStatus.Succeeded), false)]
    [InlineData(nameof(JobStatus.Succeeded), nameof(JobStatus.Running), false)]
    [InlineData(nameof(JobStatus.Succeeded), nameof(JobStatus.Failed), false)]
    [InlineData(nameof(JobStatus.Failed), nameof(JobStatus.Running), false)]
    [InlineData(nameof(JobStatus.Failed), nameof(JobStatus.Queued), false)]
    [InlineData(nameof(JobStatus.Succeeded), nameof(JobStatus.Queued), false)]
    public void CanTransition_EachPair_MatchesTheLifeCycle(string fromName, string toName, bool allowed)
    {
        Assert.Equal(allowed, JobStateMachine.CanTransition(Enum.Parse<JobStatus>(fromName), Enum.Parse<JobStatus>(toName)));
    }

    [Fact]
    public void Decide_QueuedJob_Claims()
    {
        Assert.Equal(ClaimDecision.Claim, JobStateMachine.Decide(Queued(), new JobDelivery("m1", 1), Now, Lease));
    }

    [Theory]
    [InlineData(nameof(JobStatus.Succeeded))]
    [InlineData(nameof(JobStatus.Failed))]
    public void Decide_FinishedJob_DoesNothing(string statusName)
    {
        var job = Running() with { Status = Enum.Parse<JobStatus>(statusName) };

        Assert.Equal(ClaimDecision.AlreadyFinished, JobStateMachine.Decide(job, new JobDelivery("m1", 2), Now.AddDays(1), Lease));
    }

    [Fact]
    public void Decide_SameMessageRedelivered_TakesOverTheDeadClaim()
    {
        var job = Running("m1", dequeueCount: 1);

        Assert.Equal(ClaimDecision.Claim, JobStateMachine.Decide(job, new JobDelivery("m1", 2), Now, Lease));
    }

    [Fact]
    public void Decide_SameMessageSameDequeueCount_IsThisDeliverysOwnClaim()
    {
        var job = Running("m1", dequeueCount: 2);

        Assert.Equal(ClaimDecision.OwnClaim, JobStateMachine.Decide(job, new JobDelivery("m1", 2), Now, Lease));
    }

    [Fact]
    public void Decide_NoMessageIdOnEitherSide_IsNeverOwnClaim()
    {
        var job = Running(messageId: null, dequeueCount: 1);

        Assert.Equal(ClaimDecision.HeldByOther, JobStateMachine.Decide(job, new JobDelivery(null, 1), Now, Lease));
    }

    [Fact]
    public void Decide_DuplicateMessageWhileClaimIsLive_IsHeldByOther()
    {
        var job = Running("m1", 1, startedAt: Now.AddMinutes(-9));

        Assert.Equal(ClaimDecision.HeldByOther, JobStateMachine.Decide(job, new JobDelivery("m2", 5), Now, Lease));
    }

    [Fact]
    public void Decide_DuplicateMessageAfterLeaseExpired_Claims()
    {
        var job = Running("m1", 1, startedAt: Now - Lease);

        Assert.Equal(ClaimDecision.Claim, JobStateMachine.Decide(job, new JobDelivery("m2", 1), Now, Lease));
    }

    [Fact]
    public void Decide_DeliveryWithoutMessageId_FallsBackToTheLease()
    {
        var job = Running(messageId: null, dequeueCount: 1, startedAt: Now.AddMinutes(-1));

        Assert.Equal(ClaimDecision.HeldByOther, JobStateMachine.Decide(job, new JobDelivery(null, 2), Now, Lease));
        Assert.Equal(ClaimDecision.Claim, JobStateMachine.Decide(job, new JobDelivery(null, 2), Now.AddMinutes(10), Lease));
    }

    [Fact]
    public void Claim_QueuedJob_RunsAndCountsTheAttempt()
    {
        var claimed = JobStateMachine.Claim(Queued() with { Attempts = 2 }, new JobDelivery("m9", 3), Now);

        Assert.Equal(JobStatus.Running, claimed.Status);
        Assert.Equal(3, claimed.Attempts);
        Assert.Equal(Now, claimed.StartedAt);
        Assert.Equal("m9", claimed.ClaimMessageId);
        Assert.Equal(3, claimed.ClaimDequeueCount);
    }

    [Fact]
    public void Succeed_RunningJob_RecordsOutputUsageAndClearsTheLastError()
    {
        var running = JobStateMachine.Claim(JobStateMachine.Release(Running(), "model_unavailable: down"), new JobDelivery("m1", 2), Now);

        var done = JobStateMachine.Succeed(running, new AgentRunResult("Paris", "conv1", new AgentUsage(10, 2), []), Now);

        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal("Paris", done.Output);
        Assert.Equal(new AgentUsage(10, 2), done.Usage);
        Assert.Null(done.Error);
        Assert.Equal(Now, done.CompletedAt);
        Assert.Equal(2, done.Attempts);
    }

    [Fact]
    public void Release_RunningJob_GoesBackToQueuedWithTheReason()
    {
        var released = JobStateMachine.Release(Running(), "model_unavailable: the model failed");

        Assert.Equal(JobStatus.Queued, released.Status);
        Assert.Equal("model_unavailable: the model failed", released.Error);
        Assert.Equal(1, released.Attempts);
    }

    [Fact]
    public void Fail_VeryLongReason_IsBoundedWithAVisibleMarker()
    {
        var failed = JobStateMachine.Fail(Queued(), new string('x', 10_000), Now);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal(JobStateMachine.MaxErrorLength, failed.Error!.Length);
        Assert.EndsWith("(reason truncated)", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Succeed_QueuedJob_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => JobStateMachine.Succeed(Queued(), new AgentRunResult("x", "c", new AgentUsage(0, 0), []), Now));
    }

    [Fact]
    public void Claim_FinishedJob_Throws()
    {
        var done = JobStateMachine.Fail(Queued(), "gone", Now);

        Assert.Throws<InvalidOperationException>(() => JobStateMachine.Claim(done, new JobDelivery("m1", 2), Now));
    }
}
