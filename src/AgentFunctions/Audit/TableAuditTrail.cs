using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Audit;

/// <summary>One entry of an org's audit trail (docs/api.md, "Audit"); <c>reason</c> is the error code of a refusal.</summary>
internal sealed record AuditEvent(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("orgId")] string OrgId,
    [property: JsonPropertyName("principal")] string Principal,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("function")] string Function,
    [property: JsonPropertyName("outcome")] AccessOutcome Outcome,
    [property: JsonPropertyName("traceId")] string TraceId,
    [property: JsonPropertyName("reason")] string? Reason);

internal interface IAuditTrail
{
    /// <summary>The org's newest <paramref name="limit"/> events, newest first.</summary>
    Task<IReadOnlyList<AuditEvent>> ReadAsync(OrgId orgId, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// Every org access becomes a structured log event (always, first) and a row of the org's append-only
/// trail: table <c>Audit</c>, PartitionKey = org id, RowKey = <c>{DateTime.MaxValue.Ticks - ticks:D19}-{random}</c>
/// so the newest come first in one range query. Rows are only inserted, never updated.
/// Rows are written only for identified callers (<see cref="OrgAccessRecord.CallerIdentified"/>; an unknown
/// caller's attempt is the log event only: no registry lookup, no row, so neither timing nor cache reveals or
/// is touched by made-up org ids) and only for orgs that exist and are not being deleted (registered or the
/// default org), so offboarding leaves none behind.
/// A failed row write is logged as an error with the full event and does not fail the request;
/// the log event is the second, independent copy.
/// </summary>
internal sealed partial class TableAuditTrail(
    TableProvider tables,
    IOrgRegistry registry,
    LoggingOrgAccessAuditor log,
    TimeProvider time,
    ILogger<TableAuditTrail> logger) : IOrgAccessAuditor, IAuditTrail, IOrgDataOwner
{
    public const string TableName = "Audit";
    public const int MaxLimit = 1000;

    public string Area => "audit";

    public async ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await log.RecordAsync(record, cancellationToken).ConfigureAwait(false);
        if (!record.CallerIdentified)
        {
            return;
        }

        try
        {
            var org = await registry.FindAsync(record.OrgId, cancellationToken).ConfigureAwait(false);
            if (org is null || org.Deleting)
            {
                return;
            }

            var now = time.GetUtcNow();
            var rowKey = string.Create(CultureInfo.InvariantCulture, $"{DateTime.MaxValue.Ticks - now.UtcTicks:D19}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            await table.AddEntityAsync(new TableEntity(record.OrgId.Value, rowKey)
            {
                ["At"] = now,
                ["Principal"] = record.Principal,
                ["Action"] = record.Action,
                ["Function"] = record.Function,
                ["Outcome"] = record.Outcome.ToString(),
                ["TraceId"] = record.TraceId,
                ["Reason"] = record.Reason,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or InvalidOperationException or OperationCanceledException)
        {
            LogAuditWriteFailed(logger, e, record.OrgId.Value, record.Principal, record.Function, record.Action, record.Outcome, record.TraceId);
        }
    }

    public async Task<IReadOnlyList<AuditEvent>> ReadAsync(OrgId orgId, int limit, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var events = new List<AuditEvent>(Math.Min(limit, MaxLimit));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(limit, MaxLimit), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            events.Add(new AuditEvent(
                row.GetDateTimeOffset("At") ?? default, orgId.Value, row.GetString("Principal") ?? "", row.GetString("Action") ?? "",
                row.GetString("Function") ?? "", Enum.TryParse<AccessOutcome>(row.GetString("Outcome"), out var outcome) ? outcome : AccessOutcome.Failed,
                row.GetString("TraceId") ?? "", row.GetString("Reason")));
            if (events.Count >= limit)
            {
                break;
            }
        }

        return events;
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error,
        Message = "Audit row for org {OrgId} could not be written (the access itself is logged): {Principal} {FunctionName} {Action} {Outcome} trace {TraceId}")]
    private static partial void LogAuditWriteFailed(ILogger logger, Exception exception, string orgId, string principal, string functionName, string action, AccessOutcome outcome, string traceId);
}
