using AgentFunctions.Memory;
using AgentFunctions.Middleware;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>docs/architecture.md, "Retention sweep": the timer that deletes what is past each org's retention.</summary>
internal sealed class RetentionSweepFunctions(RetentionSweep sweep)
{
    /// <summary>The schedule is the app setting <c>RETENTION_SWEEP_SCHEDULE</c> (six-field cron, e.g. <c>0 */15 * * * *</c>).</summary>
    public const string ScheduleSetting = "RETENTION_SWEEP_SCHEDULE";

    [Function(nameof(RetentionSweepTimer))]
    [WithoutOrg]
    public async Task RetentionSweepTimer([TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer, CancellationToken cancellationToken) =>
        await sweep.RunAsync(cancellationToken).ConfigureAwait(false);
}
