using System.Text.Json;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Orgs;

/// <summary>
/// Offboarding. <see cref="StartAsync"/> marks the org <c>deleting</c> (refused everywhere at once on
/// this instance, on the others within <see cref="OrgsOptions.CacheSeconds"/>) and queues a deletion
/// message that becomes visible only after that cache time, so no instance still admits the org when
/// its data goes. An invocation admitted just before may still be running then and write afterwards
/// (a turn, usage, a record), so deletion has two phases: the <b>sweep</b> asks every
/// <see cref="IOrgDataOwner"/> to delete the org's data and queues the <b>final</b> phase
/// <see cref="OrgsOptions.InFlightSeconds"/> later; the final phase deletes again — whatever in-flight
/// invocations wrote — and only then removes the registry row. Until then the row says <c>deleting</c>,
/// so the id cannot be registered again (409). Each owner's deletion is idempotent and a message is
/// redelivered after a failure, so an interrupted phase resumes; calling DELETE again re-queues the sweep.
/// </summary>
internal sealed partial class OrgOffboarding(
    IOrgRegistry registry,
    IEnumerable<IOrgDataOwner> owners,
    QueueProvider queues,
    IOptions<OrgsOptions> options,
    ILogger<OrgOffboarding> logger)
{
    public const string QueueName = "org-deletions";
    public const string SweepPhase = "sweep";
    public const string FinalPhase = "final";

    public async Task<OrgRecord?> StartAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await registry.MarkDeletingAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org is null)
        {
            return null;
        }

        await QueueAsync(orgId, SweepPhase, options.Value.CacheDuration, cancellationToken).ConfigureAwait(false);
        LogStarted(logger, orgId.Value, options.Value.CacheSeconds);
        return org;
    }

    /// <summary>One phase: <see cref="SweepPhase"/> deletes and queues the final phase; <see cref="FinalPhase"/> deletes and removes the registry row.</summary>
    public async Task RunAsync(OrgId orgId, string phase, CancellationToken cancellationToken)
    {
        var final = phase == FinalPhase;
        var org = await registry.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org is not { Registered: true, Deleting: true })
        {
            LogNothingToDelete(logger, orgId.Value);
            return;
        }

        foreach (var owner in owners)
        {
            await owner.DeleteAllAsync(orgId, cancellationToken).ConfigureAwait(false);
            LogAreaDeleted(logger, orgId.Value, owner.Area, phase);
        }

        if (!final)
        {
            await QueueAsync(orgId, FinalPhase, options.Value.InFlightDuration, cancellationToken).ConfigureAwait(false);
            LogSwept(logger, orgId.Value, options.Value.InFlightSeconds);
            return;
        }

        await registry.RemoveAsync(orgId, cancellationToken).ConfigureAwait(false);
        LogCompleted(logger, orgId.Value);
    }

    /// <summary>The target org and phase of a queued message (an unknown phase is not a valid message).</summary>
    public static bool TryParseMessage(string message, out OrgId orgId, out string phase)
    {
        orgId = default;
        phase = SweepPhase;
        try
        {
            if (JsonSerializer.Deserialize<OrgDeletionMessage>(message) is not { } parsed || !OrgId.TryParse(parsed.OrgId, out orgId))
            {
                return false;
            }

            phase = parsed.Phase ?? SweepPhase;
            return phase is SweepPhase or FinalPhase;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task QueueAsync(OrgId orgId, string phase, TimeSpan delay, CancellationToken cancellationToken)
    {
        var queue = await queues.GetAsync(QueueName, cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(JsonSerializer.Serialize(new OrgDeletionMessage(orgId.Value, phase)), delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Offboarding of org {OrgId} started: disabled now, data deletion queued to start in {DelaySeconds} s")]
    private static partial void LogStarted(ILogger logger, string orgId, int delaySeconds);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Offboarding of org {OrgId}: {Area} deleted ({Phase})")]
    private static partial void LogAreaDeleted(ILogger logger, string orgId, string area, string phase);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Offboarding of org {OrgId}: data swept; the final sweep and removal are queued to start in {DelaySeconds} s, after any in-flight invocation")]
    private static partial void LogSwept(ILogger logger, string orgId, int delaySeconds);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Offboarding of org {OrgId} completed: all of its data and its registration are gone")]
    private static partial void LogCompleted(ILogger logger, string orgId);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Offboarding message for org {OrgId} ignored: the org is not marked for deletion (already deleted)")]
    private static partial void LogNothingToDelete(ILogger logger, string orgId);
}
