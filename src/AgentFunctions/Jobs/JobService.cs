using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Jobs;

/// <summary>
/// Submit, process and track queued agent runs. The row is written before the message is sent, so
/// a worker never sees a message without its job; every state change is conditional on the row's
/// ETag, so two deliveries never both run or both finish a job.
/// </summary>
internal sealed partial class JobService(
    JobStore store,
    JobCompletions completions,
    IJobDispatcher dispatcher,
    IAgent agent,
    IAgentDirectory agents,
    IOrgRetentionPolicy retention,
    AgentMetrics metrics,
    IOptions<JobsOptions> options,
    TimeProvider time,
    ILogger<JobService> logger)
{
    private const int MaxConflictRetries = 5;

    /// <summary>The longest a status read waits for its job to finish (<c>?wait=</c>, seconds), well inside any HTTP time limit.</summary>
    public const int MaxWaitSeconds = 30;

    /// <summary>How often a waiting status read reads the job again, for a job finished on another instance.</summary>
    private static readonly TimeSpan WaitRecheck = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Validates like <c>/api/agent/run</c>, refuses an agent the org does not have (404 <c>agent_not_found</c>, nothing
    /// written or queued), writes the job (queued), then enqueues it. A new conversation's id is chosen here, so every
    /// attempt of the job continues the same conversation, and the row records that it was (<see cref="JobRecord.NewConversation"/>).
    /// If the message cannot be sent the row is marked failed and the caller gets 503.
    /// </summary>
    public async Task<JobRecord> SubmitAsync(OrgId orgId, AgentRunRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.Agent is { } name && !await agents.ExistsAsync(orgId, name, cancellationToken).ConfigureAwait(false))
        {
            throw AgentDefinitions.NotFound(name);
        }

        var job = await store.CreateAsync(
            new JobRecord(orgId, Identifiers.NewId(), JobStatus.Queued, request.Input!, request.ConversationId ?? Identifiers.NewId(), 0, time.GetUtcNow(), Principal: CallerPrincipal.Current)
            {
                Agent = request.Agent,
                NewConversation = request.ConversationId is null,
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            await dispatcher.EnqueueAsync(orgId, job.JobId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogEnqueueFailed(logger, exception, orgId.Value, job.JobId);
            await MarkNotQueuedAsync(job).ConfigureAwait(false);
            throw new ApiException(503, ErrorCodes.QueueUnavailable, "The job could not be queued; nothing will run. Submit it again.", TimeSpan.FromSeconds(5));
        }

        LogSubmitted(logger, orgId.Value, job.JobId);
        return job;
    }

    /// <summary>This org's job; another org's job, and a finished one past the org's job retention, is a 404 exactly like a missing one.</summary>
    public async Task<JobRecord> GetAsync(OrgId orgId, string? jobId, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(jobId, "jobId");

        var job = await store.GetAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
        if (job is null || (job.IsFinished && OrgRetention.IsExpired(
                (await retention.GetAsync(orgId, cancellationToken).ConfigureAwait(false)).Jobs, job.CompletedAt ?? job.CreatedAt, time.GetUtcNow())))
        {
            // A finished job past the org's job retention is gone, whether or not the sweep has deleted it yet.
            throw ApiException.NotFound("Job");
        }

        return job;
    }

    /// <summary>
    /// Like <see cref="GetAsync(OrgId, string?, CancellationToken)"/>, but an unfinished job is waited for up to
    /// <paramref name="wait"/>: the read returns as soon as this instance finishes the job, or after a read every
    /// <see cref="WaitRecheck"/> finds it finished elsewhere, else with the job as it is when the time is up. Nothing is
    /// kept for the job once the read returns, however it ends.
    /// </summary>
    public async Task<JobRecord> GetAsync(OrgId orgId, string? jobId, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (wait <= TimeSpan.Zero)
        {
            return await GetAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
        }

        Identifiers.EnsureResourceId(jobId, "jobId");
        var started = time.GetTimestamp();
        while (true)
        {
            // Watched before the read: an end recorded between the read and the wait still wakes this read.
            var finished = completions.Watch(orgId, jobId);
            try
            {
                var job = await GetAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
                var left = wait - time.GetElapsedTime(started);
                if (job.IsFinished || left <= TimeSpan.Zero)
                {
                    return job;
                }

                await finished.WaitAsync(left < WaitRecheck ? left : WaitRecheck, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                completions.Unwatch(orgId, jobId, finished);
            }

            if (finished.IsCompleted)
            {
                // This instance recorded the job's end: one more read returns it (a finished job never changes again).
                return await GetAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One queue delivery: claim → run → record. A failed attempt that can succeed later goes back to
    /// queued and the exception is rethrown, so the host redelivers the message (and poisons it after
    /// maxDequeueCount); a request the agent refuses for good fails the job at once.
    /// </summary>
    /// <remarks>
    /// The first attempt (the claim just written counts attempt 1) of a job whose conversation id was generated at submit
    /// runs as a new conversation: no history query, the turn's append inserts the conversation. The id was returned at
    /// submit, so a client may have continued that conversation before the job runs: then the job's turn is answered
    /// without that other turn in view and appended after it (the append's insert conflicts, the store re-reads the head
    /// and appends behind it; nothing is lost). That is the outcome of two concurrent runs of one conversation, which the
    /// store permits anyway. A client's turn with another agent makes the store refuse the job's turn on that re-read
    /// (409, as a history read would have; a conversation stays with the agent of its first turn), and the job fails.
    /// Later attempts, and jobs continuing a client's conversation, read the history as every run does.
    /// </remarks>
    public async Task<JobOutcome> ProcessAsync(OrgId orgId, string jobId, JobDelivery delivery, CancellationToken cancellationToken)
    {
        var outcome = await RunDeliveryAsync(orgId, jobId, delivery, cancellationToken).ConfigureAwait(false);
        metrics.RecordJobOutcome(orgId, outcome switch
        {
            JobOutcome.Succeeded => "succeeded",
            JobOutcome.Failed => "failed",
            JobOutcome.NotFound => "not_found",
            _ => "duplicate",
        });
        return outcome;
    }

    private async Task<JobOutcome> RunDeliveryAsync(OrgId orgId, string jobId, JobDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var (claimed, outcome) = await ClaimAsync(orgId, jobId, delivery, cancellationToken).ConfigureAwait(false);
        if (claimed is null)
        {
            return outcome;
        }

        LogClaimed(logger, orgId.Value, jobId, claimed.Attempts, delivery.DequeueCount);
        // The run's usage belongs to whoever submitted the job, not to the queue delivering it.
        CallerPrincipal.Set(claimed.Principal ?? CallerPrincipal.Current);
        AgentRunResult result;
        try
        {
            // Every run follows a claim that counted it: on the first claim no earlier attempt can have stored the turn, and a
            // conversation generated at submit has no history of the job's own to read (a client's turn meanwhile: see remarks).
            var request = new AgentRunRequest(claimed.Input, claimed.ConversationId) { Agent = claimed.Agent };
            result = claimed.Attempts == 1
                ? await agent.RunNewTurnAsync(orgId, request, jobId, claimed.NewConversation, cancellationToken).ConfigureAwait(false)
                : await agent.RunAsync(orgId, request, jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException refused) when (IsPermanent(refused))
        {
            LogRefused(logger, orgId.Value, jobId, refused.Code);
            return await FinishAsync(JobStateMachine.Fail(claimed, Describe(refused), time.GetUtcNow()), JobOutcome.Failed).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogAttemptFailed(logger, exception, orgId.Value, jobId, claimed.Attempts);
            await FinishAsync(JobStateMachine.Release(claimed, Describe(exception)), JobOutcome.Failed).ConfigureAwait(false);
            throw;
        }

        if (result.Output.Length > JobEntity.MaxOutputLength)
        {
            var reason = $"payload_too_large: the output has {result.Output.Length} characters; a job stores at most {JobEntity.MaxOutputLength}. The full turn is in conversation {claimed.ConversationId}.";
            return await FinishAsync(JobStateMachine.Fail(claimed, reason, time.GetUtcNow()), JobOutcome.Failed).ConfigureAwait(false);
        }

        var outcomeOfRun = await FinishAsync(JobStateMachine.Succeed(claimed, result, time.GetUtcNow()), JobOutcome.Succeeded).ConfigureAwait(false);
        LogFinished(logger, orgId.Value, jobId, outcomeOfRun, claimed.Attempts);
        return outcomeOfRun;
    }

    /// <summary>
    /// The job's message reached the poison queue (all attempts failed, or the worker kept dying):
    /// a job that is not finished is failed with a reason a caller can read. Never leaves it queued or running.
    /// </summary>
    public async Task<JobOutcome> FailPoisonedAsync(OrgId orgId, string jobId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var job = await store.GetAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return JobOutcome.NotFound;
            }

            if (job.IsFinished)
            {
                return JobOutcome.AlreadyFinished;
            }

            var reason = job.Error is { } last
                ? $"The job failed after {job.Attempts} attempt(s). Last error: {last}"
                : $"The job was abandoned after {job.Attempts} attempt(s): the worker did not complete it.";
            if (await store.TryReplaceAsync(JobStateMachine.Fail(job, reason, time.GetUtcNow()), cancellationToken).ConfigureAwait(false) is not null)
            {
                completions.Finished(orgId, jobId);
                LogPoisoned(logger, orgId.Value, jobId, job.Attempts);
                metrics.RecordJobOutcome(orgId, "failed");
                return JobOutcome.Failed;
            }
        }

        throw new InvalidOperationException($"Job {jobId} kept changing while it was being failed; the poison message is retried.");
    }

    private async Task<(JobRecord? Claimed, JobOutcome Outcome)> ClaimAsync(OrgId orgId, string jobId, JobDelivery delivery, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var job = await store.GetAsync(orgId, jobId, cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                LogNotFound(logger, orgId.Value, jobId);
                return (null, JobOutcome.NotFound);
            }

            var now = time.GetUtcNow();
            switch (JobStateMachine.Decide(job, delivery, now, options.Value.ClaimLease))
            {
                case ClaimDecision.AlreadyFinished:
                    LogAlreadyFinished(logger, orgId.Value, jobId, job.Status);
                    return (null, JobOutcome.AlreadyFinished);
                case ClaimDecision.HeldByOther:
                    LogHeldByOther(logger, orgId.Value, jobId);
                    return (null, JobOutcome.HeldByOther);
                case ClaimDecision.OwnClaim:
                    LogOwnClaimFound(logger, orgId.Value, jobId);
                    return (job, JobOutcome.Succeeded);
            }

            if (await store.TryReplaceAsync(JobStateMachine.Claim(job, delivery, now), cancellationToken).ConfigureAwait(false) is { } claimed)
            {
                return (claimed, JobOutcome.Succeeded);
            }
        }

        throw new InvalidOperationException($"Job {jobId} kept changing while it was being claimed; the message is retried.");
    }

    /// <summary>Records the result under the claim's ETag; if the claim was taken over meanwhile, the newer holder's result counts.</summary>
    private async Task<JobOutcome> FinishAsync(JobRecord next, JobOutcome outcome)
    {
        // Not cancellable: a run that happened must be recorded even while the host shuts down.
        if (await store.TryReplaceAsync(next, CancellationToken.None).ConfigureAwait(false) is not null)
        {
            if (next.IsFinished)
            {
                completions.Finished(next.OrgId, next.JobId);
            }

            return outcome;
        }

        LogSuperseded(logger, next.OrgId.Value, next.JobId);
        return JobOutcome.Superseded;
    }

    private async Task MarkNotQueuedAsync(JobRecord job)
    {
        try
        {
            await store.TryReplaceAsync(JobStateMachine.Fail(job, "The job could not be queued and never ran.", time.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is Azure.RequestFailedException or HttpRequestException or OperationCanceledException)
        {
            LogCompensationFailed(logger, exception, job.OrgId.Value, job.JobId);
        }
    }

    /// <summary>Refusals that no retry can change (bad input, missing conversation); quota and time-outs may pass later.</summary>
    private static bool IsPermanent(ApiException refused) =>
        refused.Status is >= 400 and < 500 and not 408 and not 429;

    /// <summary>A reason a caller can read: the API error's code and detail, never an internal exception message.</summary>
    private static string Describe(Exception exception) => exception is ApiException api
        ? $"{api.Code}: {api.Message}"
        : exception is OperationCanceledException
            ? "The attempt was interrupted (the worker stopped)."
            : "internal: the agent run failed unexpectedly.";

    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Job {JobId} of org {OrgId} submitted")]
    private static partial void LogSubmitted(ILogger logger, string orgId, string jobId);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Job {JobId} of org {OrgId} could not be enqueued; it is marked failed")]
    private static partial void LogEnqueueFailed(ILogger logger, Exception exception, string orgId, string jobId);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Critical, Message = "Job {JobId} of org {OrgId} could not be enqueued nor marked failed; it stays queued")]
    private static partial void LogCompensationFailed(ILogger logger, Exception exception, string orgId, string jobId);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "Job {JobId} of org {OrgId} claimed (attempt {Attempt}, dequeue count {DequeueCount})")]
    private static partial void LogClaimed(ILogger logger, string orgId, string jobId, int attempt, long dequeueCount);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Information, Message = "Job {JobId} of org {OrgId} ended {Outcome} after {Attempts} attempt(s)")]
    private static partial void LogFinished(ILogger logger, string orgId, string jobId, JobOutcome outcome, int attempts);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Warning, Message = "Job {JobId} of org {OrgId} failed: the agent refused it with {Code}")]
    private static partial void LogRefused(ILogger logger, string orgId, string jobId, string code);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Warning, Message = "Job {JobId} of org {OrgId}: attempt {Attempt} failed; the queue redelivers it")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string orgId, string jobId, int attempt);

    [LoggerMessage(EventId = 2207, Level = LogLevel.Warning, Message = "Job {JobId} of org {OrgId} was not found; its message is dropped")]
    private static partial void LogNotFound(ILogger logger, string orgId, string jobId);

    [LoggerMessage(EventId = 2208, Level = LogLevel.Information, Message = "Job {JobId} of org {OrgId} is already {Status}; the message does nothing")]
    private static partial void LogAlreadyFinished(ILogger logger, string orgId, string jobId, JobStatus status);

    [LoggerMessage(EventId = 2209, Level = LogLevel.Information, Message = "Job {JobId} of org {OrgId} is running under another delivery; this duplicate does nothing")]
    private static partial void LogHeldByOther(ILogger logger, string orgId, string jobId);

    [LoggerMessage(EventId = 2210, Level = LogLevel.Warning, Message = "Job {JobId} of org {OrgId} was taken over by another delivery before this one finished")]
    private static partial void LogSuperseded(ILogger logger, string orgId, string jobId);

    [LoggerMessage(EventId = 2211, Level = LogLevel.Warning, Message = "Job {JobId} of org {OrgId} reached the poison queue after {Attempts} attempt(s) and is marked failed")]
    private static partial void LogPoisoned(ILogger logger, string orgId, string jobId, int attempts);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Information, Message = "Job {JobId} of org {OrgId} is already claimed by this delivery (the claim's answer was lost); it goes on")]
    private static partial void LogOwnClaimFound(ILogger logger, string orgId, string jobId);
}
