using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Orgs;

/// <summary>The message on <see cref="OrgOffboarding.QueueName"/>; the org is the deletion's target, not a caller's context.</summary>
public sealed record OrgDeletionMessage([property: JsonPropertyName("orgId")] string OrgId);

/// <summary>
/// Offboarding. <see cref="StartAsync"/> marks the org <c>deleting</c> (refused everywhere at once on
/// this instance, on the others within <see cref="OrgsOptions.CacheSeconds"/>) and queues a deletion
/// message that becomes visible only after that cache time, so no instance still serves the org when
/// its data goes. <see cref="RunAsync"/> asks every <see cref="IOrgDataOwner"/> to delete the org's
/// data and removes the registry row last. Each owner's deletion is idempotent and the message is
/// redelivered after a failure, so an interrupted deletion resumes; calling DELETE again re-queues it.
/// </summary>
public sealed partial class OrgOffboarding(
    IOrgRegistry registry,
    IEnumerable<IOrgDataOwner> owners,
    QueueProvider queues,
    IOptions<OrgsOptions> options,
    ILogger<OrgOffboarding> logger)
{
    public const string QueueName = "org-deletions";

    public async Task<OrgRecord?> StartAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await registry.MarkDeletingAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org is null)
        {
            return null;
        }

        var queue = await queues.GetAsync(QueueName, cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(JsonSerializer.Serialize(new OrgDeletionMessage(orgId.Value)), options.Value.CacheDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
        LogStarted(logger, orgId.Value, options.Value.CacheSeconds);
        return org;
    }

    public async Task RunAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await registry.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org is not { Registered: true, Deleting: true })
        {
            LogNothingToDelete(logger, orgId.Value);
            return;
        }

        foreach (var owner in owners)
        {
            await owner.DeleteAllAsync(orgId, cancellationToken).ConfigureAwait(false);
            LogAreaDeleted(logger, orgId.Value, owner.Area);
        }

        await registry.RemoveAsync(orgId, cancellationToken).ConfigureAwait(false);
        LogCompleted(logger, orgId.Value);
    }

    public static bool TryParseMessage(string message, out OrgId orgId)
    {
        orgId = default;
        try
        {
            return JsonSerializer.Deserialize<OrgDeletionMessage>(message) is { } parsed && OrgId.TryParse(parsed.OrgId, out orgId);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Offboarding of org {OrgId} started: disabled now, data deletion queued to start in {DelaySeconds} s")]
    private static partial void LogStarted(ILogger logger, string orgId, int delaySeconds);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Offboarding of org {OrgId}: {Area} deleted")]
    private static partial void LogAreaDeleted(ILogger logger, string orgId, string area);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Offboarding of org {OrgId} completed: all of its data and its registration are gone")]
    private static partial void LogCompleted(ILogger logger, string orgId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Offboarding message for org {OrgId} ignored: the org is not marked for deletion (already deleted)")]
    private static partial void LogNothingToDelete(ILogger logger, string orgId);
}
