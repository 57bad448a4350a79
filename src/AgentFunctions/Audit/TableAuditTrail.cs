using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Usage;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Audit;

/// <summary>
/// Every org access becomes a structured log event (always, first) and a row of the org's append-only trail, whose key
/// <c>{DateTime.MaxValue.Ticks - ticks:D19}-{random}</c> puts the newest first. An invocation's access row lives in table
/// <c>Usage</c> (PartitionKey = org id, RowKey = <see cref="TableUsageStore.AccessRowPrefix"/> + key), held with the
/// invocation's usage and written in the same transaction (<see cref="TableUsageStore.HoldAccessRowAsync"/>). Table
/// <c>Audit</c> (PartitionKey = org id, RowKey = key) holds the folded refusals and the access rows written before they
/// moved; a read merges the two ranges by key. Access rows are only inserted, never updated.
/// Rows are written only for identified callers (<see cref="OrgAccessRecord.CallerIdentified"/>; an unknown
/// caller's attempt is the log event only: no registry lookup, no row, so neither timing nor cache reveals or
/// is touched by made-up org ids) and only for orgs that exist and are not being deleted (registered or the
/// default org), so offboarding leaves none behind.
/// A refused foreign credential (<see cref="OrgAccessRecord.FoldBy"/>) is folded: one row per org, credential and
/// minute (RowKey <c>{DateTime.MaxValue.Ticks - end of the minute:D19}-f{hash of org and credential}</c>, <c>Count</c>
/// added under If-Match), written by one background writer per row and instance, never on the response path.
/// Access rows are held while the invocation runs and written when its answer is complete (<see cref="IDeferredWrites"/>;
/// concurrent invocations of one org share one transaction, with their usage); outside an invocation they are written at once.
/// A failed row write is logged as an error with the full event and does not fail the request; the row stays held and
/// is written by the next flush or the background retry. The log event is the second, independent copy.
/// </summary>
internal sealed partial class TableAuditTrail(
    TableProvider tables,
    TableUsageStore usage,
    IOrgRegistry registry,
    LoggingOrgAccessAuditor log,
    TimeProvider time,
    ILogger<TableAuditTrail> logger) : IOrgAccessAuditor, IAuditTrail, IOrgDataOwner
{
    public const string TableName = "Audit";
    public const int MaxLimit = 1000;
    private const int MaxFoldAttempts = 8;

    /// <summary>Folded refusals not yet written, per row key (org|row).</summary>
    private readonly ConcurrentDictionary<string, FoldedRefusals> _folds = new(StringComparer.Ordinal);

    public string Area => "audit";

    public async ValueTask RecordAsync(OrgAccessRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await log.RecordAsync(record, cancellationToken).ConfigureAwait(false);
        if (!record.CallerIdentified)
        {
            return;
        }

        if (record.FoldBy is { } credential)
        {
            Fold(record, credential);
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
            var rowKey = string.Create(CultureInfo.InvariantCulture, $"{TableUsageStore.AccessRowPrefix}{DateTime.MaxValue.Ticks - now.UtcTicks:D19}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
            await usage.HoldAccessRowAsync(record.OrgId, new TableEntity(record.OrgId.Value, rowKey)
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
        catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or InvalidOperationException or OperationCanceledException)
        {
            // Still held: the next flush (or the background retry) writes it.
            LogAuditWriteFailed(logger, e, record.OrgId.Value, record.Principal, record.Function, record.Action, record.Outcome, record.TraceId);
        }
    }

    /// <summary>
    /// A page of the org's trail, newest first, after writing what this instance holds for the org: the access rows in table
    /// <c>Usage</c> and the rows of table <c>Audit</c>, each one range query of the org's partition (run together) merged by key.
    /// </summary>
    public async Task<AuditPage> ReadAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        var after = string.Empty;
        if (cursor is not null && !TryDecodeCursor(cursor, out after))
        {
            throw ApiException.InvalidRequest("cursor", "is not a cursor returned by this API.");
        }

        await usage.FlushAsync(orgId, cancellationToken).ConfigureAwait(false); // this instance's own accesses first
        var accessRows = ReadRangeAsync(TableUsageStore.TableName, TableClient.CreateQueryFilter(
            $"PartitionKey eq {orgId.Value} and RowKey gt {TableUsageStore.AccessRowPrefix + after} and RowKey lt {TableUsageStore.AccessRowEnd}"),
            TableUsageStore.AccessRowPrefix.Length, limit + 1, cancellationToken);
        var auditRows = ReadRangeAsync(TableName, TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {after}"), 0, limit + 1, cancellationToken);
        var merged = (await Task.WhenAll(accessRows, auditRows).ConfigureAwait(false))
            .SelectMany(rows => rows)
            .OrderBy(row => row.Key, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList();
        var page = merged.Take(limit).ToList();
        var events = page.Select(r => r.Row).Select(row => new AuditEvent(
            row.GetDateTimeOffset("At") ?? default, orgId.Value, row.GetString("Principal") ?? "", row.GetString("Action") ?? "",
            row.GetString("Function") ?? "", Enum.TryParse<AccessOutcome>(row.GetString("Outcome"), out var outcome) ? outcome : AccessOutcome.Failed,
            row.GetString("TraceId") ?? "", row.GetString("Reason"), row.GetInt64("Count"))).ToList();
        return new AuditPage(events, merged.Count > limit ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(page[^1].Key)) : null);
    }

    /// <summary>Up to <paramref name="take"/> rows of one range, each with its trail key (the RowKey without its first <paramref name="prefixLength"/> characters).</summary>
    private async Task<List<(string Key, TableEntity Row)>> ReadRangeAsync(string tableName, string filter, int prefixLength, int take, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(tableName, cancellationToken).ConfigureAwait(false);
        var rows = new List<(string Key, TableEntity Row)>(Math.Min(take, MaxLimit));
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(take, MaxLimit), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add((row.RowKey[prefixLength..], row));
            if (rows.Count == take)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>Waits for the folded refusals recorded so far to be written (tests, and nothing on a request's path).</summary>
    internal async Task WaitForFoldsAsync()
    {
        while (_folds.Values.Select(f => f.Writer).OfType<Task>().Where(t => !t.IsCompleted).ToList() is { Count: > 0 } writing)
        {
            await Task.WhenAll(writing).ConfigureAwait(false);
        }
    }

    /// <summary>Table <c>Audit</c>'s partition; the access rows in table <c>Usage</c> go with the usage (<see cref="TableUsageStore.DeleteAllAsync"/>).</summary>
    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Only a well-formed row key moves the start of the page (and the partition is always the caller's org).</summary>
    private static bool TryDecodeCursor(string cursor, out string rowKey)
    {
        rowKey = string.Empty;
        try
        {
            rowKey = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return false;
        }

        return RowKeyFormat().IsMatch(rowKey);
    }

    /// <summary>
    /// Counts a refused foreign credential into its row of the minute. The response never waits for storage: the
    /// count is written by the row's one background writer, which picks up whatever arrived while it was writing.
    /// </summary>
    private void Fold(OrgAccessRecord record, string credential)
    {
        var now = time.GetUtcNow();
        var minuteEnd = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute) + TimeSpan.TicksPerMinute - 1, TimeSpan.Zero);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{record.OrgId.Value}|{credential}")))[..16];
        var rowKey = string.Create(CultureInfo.InvariantCulture, $"{DateTime.MaxValue.Ticks - minuteEnd.UtcTicks:D19}-f{hash}");
        var fold = _folds.GetOrAdd($"{record.OrgId.Value}|{rowKey}", _ => new FoldedRefusals(record, rowKey, minuteEnd));
        lock (fold)
        {
            fold.Pending++;
            if (fold.Writer is null)
            {
                fold.Writer = Task.Run(() => WriteFoldAsync(fold));
            }
        }
    }

    private async Task WriteFoldAsync(FoldedRefusals fold)
    {
        while (true)
        {
            long count;
            lock (fold)
            {
                count = fold.Pending;
                fold.Pending = 0;
                if (count == 0)
                {
                    fold.Writer = null;
                    _folds.TryRemove(KeyValuePair.Create($"{fold.First.OrgId.Value}|{fold.RowKey}", fold));
                    return;
                }
            }

            try
            {
                await AddFoldedAsync(fold, count).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or InvalidOperationException or OperationCanceledException)
            {
                var first = fold.First;
                LogAuditWriteFailed(logger, e, first.OrgId.Value, first.Principal, first.Function, first.Action, first.Outcome, first.TraceId);
            }
        }
    }

    private async Task AddFoldedAsync(FoldedRefusals fold, long count)
    {
        var first = fold.First;
        var org = await registry.FindAsync(first.OrgId, CancellationToken.None).ConfigureAwait(false);
        if (org is null || org.Deleting)
        {
            return;
        }

        var table = await tables.GetAsync(TableName, CancellationToken.None).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(first.OrgId.Value, fold.RowKey, select: ["Count"]).ConfigureAwait(false);
            try
            {
                if (row.HasValue)
                {
                    var update = new TableEntity(first.OrgId.Value, fold.RowKey) { ["Count"] = (row.Value!.GetInt64("Count") ?? 0) + count };
                    await table.UpdateEntityAsync(update, row.Value.ETag, TableUpdateMode.Merge).ConfigureAwait(false);
                }
                else
                {
                    await table.AddEntityAsync(new TableEntity(first.OrgId.Value, fold.RowKey)
                    {
                        ["At"] = fold.MinuteEnd,
                        ["Principal"] = first.Principal,
                        ["Action"] = first.Action,
                        ["Function"] = first.Function,
                        ["Outcome"] = first.Outcome.ToString(),
                        ["TraceId"] = first.TraceId,
                        ["Reason"] = first.Reason,
                        ["Count"] = count,
                    }).ConfigureAwait(false);
                }

                return;
            }
            catch (Azure.RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxFoldAttempts)
            {
                // Another instance wrote the same row first: read it again and add to its count.
            }
        }
    }

    [GeneratedRegex(@"^\d{19}-(?:[0-9a-f]{8}|f[0-9a-f]{16})$", RegexOptions.CultureInvariant)]
    private static partial Regex RowKeyFormat();

    /// <summary>The refusals of one credential for one org in one minute that this instance has not written yet.</summary>
    private sealed class FoldedRefusals(OrgAccessRecord first, string rowKey, DateTimeOffset minuteEnd)
    {
        public OrgAccessRecord First => first;

        public string RowKey => rowKey;

        public DateTimeOffset MinuteEnd => minuteEnd;

        public long Pending { get; set; }

        public Task? Writer { get; set; }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Error,
        Message = "Audit row for org {OrgId} could not be written (the access itself is logged): {Principal} {FunctionName} {Action} {Outcome} trace {TraceId}")]
    private static partial void LogAuditWriteFailed(ILogger logger, Exception exception, string orgId, string principal, string functionName, string action, AccessOutcome outcome, string traceId);
}
