using System.Diagnostics;
using AgentFunctions.Conversations;
using AgentFunctions.Jobs;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Memory;

/// <summary>
/// Deletes what is past each org's retention: conversations idle longer than <c>retention.conversations</c>, finished
/// jobs completed longer ago than <c>retention.jobs</c>. Org by org (in org id order, offboarding orgs skipped), each
/// store in steps of at most <see cref="RetentionSweepOptions.BatchSize"/> items inside that org's partition only;
/// after every step the cursor is saved and a step that deleted anything is audited in the org's trail (principal
/// <see cref="Principal"/>). A run stops after <see cref="RetentionSweepOptions.MaxBatchesPerRun"/> steps; the next run
/// (or the run after a crash) resumes at the saved step. Reads already treat expired data as gone, so the sweep's
/// timing only decides when storage is freed.
/// </summary>
internal sealed partial class RetentionSweep(
    IOrgRegistry registry,
    IOrgRetentionPolicy retention,
    TableConversationStore conversations,
    JobStore jobs,
    SweepCursor cursor,
    IOrgAccessAuditor auditor,
    IOptions<RetentionSweepOptions> options,
    TimeProvider time,
    ILogger<RetentionSweep> logger)
{
    public const string Principal = "retention-sweep";
    public const string FunctionName = "RetentionSweepTimer";

    public async Task<SweepRun> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var resume = await cursor.ReadAsync(cancellationToken).ConfigureAwait(false);
        var orgs = (await registry.ListAsync(cancellationToken).ConfigureAwait(false))
            .Where(org => org.Registered && !org.Deleting)
            .Select(org => org.OrgId)
            .Where(org => resume is null || string.CompareOrdinal(org.Value, resume.OrgId.Value) >= 0)
            .OrderBy(org => org.Value, StringComparer.Ordinal)
            .ToList();
        LogRunStarted(logger, orgs.Count, resume?.OrgId.Value ?? "(start)");
        var run = new SweepRun(0, 0, 0, Finished: false);
        foreach (var orgId in orgs)
        {
            var at = resume is not null && resume.OrgId == orgId ? resume : new SweepPosition(orgId, SweepPhase.Conversations, null);
            (run, var finished) = await SweepOrgAsync(at, run, o, cancellationToken).ConfigureAwait(false);
            if (!finished)
            {
                LogRunStopped(logger, run.Steps, orgId.Value);
                return run;
            }
        }

        await cursor.ClearAsync(cancellationToken).ConfigureAwait(false);
        LogRunFinished(logger, run.Steps, run.ConversationsDeleted, run.JobsDeleted);
        return run with { Finished = true };
    }

    private async Task<(SweepRun Run, bool Finished)> SweepOrgAsync(SweepPosition at, SweepRun run, RetentionSweepOptions o, CancellationToken cancellationToken)
    {
        var orgId = at.OrgId;
        var keep = await retention.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        while (at.Phase != SweepPhase.Done)
        {
            TimeSpan? period = at.Phase == SweepPhase.Conversations ? keep.Conversations : keep.Jobs;
            if (period is not { } p)
            {
                at = Next(at);
                continue;
            }

            if (run.Steps >= o.MaxBatchesPerRun)
            {
                return (run, false);
            }

            var step = at.Phase == SweepPhase.Conversations
                ? await conversations.DeleteIdleAsync(orgId, now - p, at.Position, o.BatchSize, cancellationToken).ConfigureAwait(false)
                : await jobs.DeleteFinishedAsync(orgId, now - p, at.Position, o.BatchSize, cancellationToken).ConfigureAwait(false);
            run = at.Phase == SweepPhase.Conversations
                ? run with { Steps = run.Steps + 1, ConversationsDeleted = run.ConversationsDeleted + step.Deleted }
                : run with { Steps = run.Steps + 1, JobsDeleted = run.JobsDeleted + step.Deleted };
            if (step.Deleted > 0)
            {
                var what = at.Phase == SweepPhase.Conversations ? "idle conversations" : "finished jobs";
                await auditor.RecordAsync(
                    new OrgAccessRecord(orgId, Principal, FunctionName, $"retention: deleted {step.Deleted} {what}", AccessOutcome.Allowed, Activity.Current?.TraceId.ToString() ?? string.Empty),
                    cancellationToken).ConfigureAwait(false);
                LogDeleted(logger, orgId.Value, step.Deleted, what);
            }

            at = step.Next is null ? Next(at) : at with { Position = step.Next };
            await cursor.SaveAsync(at, cancellationToken).ConfigureAwait(false);
        }

        return (run, true);
    }

    private static SweepPosition Next(SweepPosition at) =>
        at with { Phase = at.Phase == SweepPhase.Conversations ? SweepPhase.Jobs : SweepPhase.Done, Position = null };

    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Retention sweep started: {Orgs} orgs from {FromOrgId}")]
    private static partial void LogRunStarted(ILogger logger, int orgs, string fromOrgId);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Retention sweep deleted {Count} {What} of org {OrgId}")]
    private static partial void LogDeleted(ILogger logger, string orgId, int count, string what);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Retention sweep stopped after {Steps} steps in org {OrgId}; the next run resumes there")]
    private static partial void LogRunStopped(ILogger logger, int steps, string orgId);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Information, Message = "Retention sweep went through every org in {Steps} steps: {Conversations} conversations, {Jobs} jobs deleted")]
    private static partial void LogRunFinished(ILogger logger, int steps, long conversations, long jobs);
}
