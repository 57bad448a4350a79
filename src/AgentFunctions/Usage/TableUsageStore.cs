using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Usage;

/// <summary>
/// Table <c>Usage</c>, PartitionKey = org id:
/// RowKey <c>yyyyMMdd</c> (UTC day) holds <c>InputTokens</c>, <c>OutputTokens</c>, <c>Runs</c>, <c>EmbeddingTokens</c>;
/// RowKey <c>rpm</c> holds the current minute's request counter (<c>Window</c> = <c>yyyyMMddHHmm</c>, <c>Count</c>);
/// RowKey <c>u|yyyyMMdd|{agent}|{principal hash}</c> (<see cref="UsageDetailKeys"/>) holds one day's tokens of one agent
/// and principal by kind.
/// Every increment is a read-modify-write under If-Match, retried on conflict, so counts stay exact
/// across instances; an instance starts from the row version it wrote last, so while it is the only
/// writer an increment is one request. Changing this key scheme is a breaking change.
/// </summary>
internal sealed class TableUsageStore(TableProvider tables, TimeProvider time) : IRequestRateLimiter, IOrgDataOwner
{
    public const string TableName = "Usage";
    public const string RateRow = "rpm";
    private const int MaxAttempts = 30;
    private const int MaxRemembered = 10_000;
    private readonly ConcurrentDictionary<(string OrgId, string RowKey), TableEntity> _lastWritten = new();

    public string Area => "usage";

    public static string DayKey(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds the entry to the day row (every kind of tokens and runs: the one row the quota check reads) and to the
    /// day's detail row of the entry's agent and principal (what <c>GET /api/usage</c> groups), both in one
    /// transaction of the org's partition: one request while this instance wrote both rows last.
    /// </summary>
    public async Task AddAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        await ChangeAsync(orgId, [DayKey(day), UsageDetailKeys.For(day, usage.Agent, usage.Principal)], rows =>
        {
            rows[1][UsageDetailKeys.AgentProperty] = usage.Agent;
            rows[1][UsageDetailKeys.PrincipalProperty] = usage.Principal;
            foreach (var row in rows)
            {
                Add(row, "InputTokens", usage.ChatInputTokens);
                Add(row, "OutputTokens", usage.ChatOutputTokens);
                Add(row, "EmbeddingTokens", usage.EmbeddingTokens);
                Add(row, "Runs", usage.Runs);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The detail rows of the days <paramref name="from"/> to <paramref name="to"/> (inclusive), oldest first:
    /// one range query of the org's partition, streamed.
    /// </summary>
    internal async IAsyncEnumerable<UsageDetail> ReadDetailsAsync(
        OrgId orgId, DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {orgId.Value} and RowKey ge {UsageDetailKeys.DayStart(from)} and RowKey lt {UsageDetailKeys.DayStart(to.AddDays(1))}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return new UsageDetail(
                UsageDetailKeys.DayOf(row.RowKey),
                row.GetString(UsageDetailKeys.AgentProperty) ?? UsageEntry.NoAgent,
                row.GetString(UsageDetailKeys.PrincipalProperty) ?? "anonymous",
                row.GetInt64("InputTokens") ?? 0,
                row.GetInt64("OutputTokens") ?? 0,
                row.GetInt64("EmbeddingTokens") ?? 0,
                row.GetInt64("Runs") ?? 0);
        }
    }

    private static void Add(TableEntity row, string property, long amount) => row[property] = (row.GetInt64(property) ?? 0) + amount;

    public async Task<UsageDay?> GetDayAsync(OrgId orgId, DateOnly day, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, DayKey(day), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? ToDay(row.Value!) : null;
    }

    /// <summary>The days from <paramref name="from"/> to <paramref name="to"/> (inclusive) that have usage, oldest first.</summary>
    public async Task<IReadOnlyList<UsageDay>> ListAsync(OrgId orgId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {DayKey(from)} and RowKey le {DayKey(to)}");
        var days = new List<UsageDay>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            days.Add(ToDay(row));
        }

        return days;
    }

    public async Task<bool> TryAcquireAsync(OrgId orgId, int requestsPerMinute, CancellationToken cancellationToken)
    {
        var window = time.GetUtcNow().ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        return await ChangeAsync(orgId, [RateRow], rows =>
        {
            var row = rows[0];
            var count = row.GetString("Window") == window ? row.GetInt32("Count") ?? 0 : 0;
            if (count >= requestsPerMinute)
            {
                return false;
            }

            row["Window"] = window;
            row["Count"] = count + 1;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
        foreach (var key in _lastWritten.Keys.Where(k => k.OrgId == orgId.Value))
        {
            _lastWritten.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// Read-modify-write of rows of the org's partition under If-Match, written in one request (one transaction
    /// when there are several). <paramref name="change"/> edits the rows and returns whether to write them; the
    /// result is that decision, taken on the row versions that were stored.
    /// The first attempt starts from the versions this instance wrote last (where it has them) instead of reading them:
    /// If-Match still refuses the write when anyone changed a row since, and then the rows are read.
    /// A refusal taken on a remembered version stands, since counts only grow within their window.
    /// </summary>
    private async Task<bool> ChangeAsync(OrgId orgId, string[] rowKeys, Func<TableEntity[], bool> change, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var rows = new TableEntity[rowKeys.Length];
            var remembered = false;
            for (var i = 0; i < rowKeys.Length; i++)
            {
                if (attempt == 1 && _lastWritten.TryGetValue((orgId.Value, rowKeys[i]), out var last))
                {
                    rows[i] = new TableEntity(last) { ETag = last.ETag };
                    remembered = true;
                    continue;
                }

                var existing = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, rowKeys[i], cancellationToken: cancellationToken).ConfigureAwait(false);
                rows[i] = existing.HasValue ? existing.Value! : new TableEntity(orgId.Value, rowKeys[i]);
            }

            if (!change(rows))
            {
                return false;
            }

            try
            {
                var versions = await WriteAsync(table, rows, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < rows.Length; i++)
                {
                    Remember((orgId.Value, rowKeys[i]), rows[i], versions[i]);
                }

                return true;
            }
            catch (RequestFailedException e) when (remembered && e.Status is 404 or 409 or 412)
            {
                // Changed or deleted since this instance wrote it: read the rows on the next attempt.
                Forget(orgId, rowKeys);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another instance wrote first: back off a little (jittered) and re-read.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Adds new rows and replaces stored ones under If-Match; the new versions, in the rows' order.</summary>
    private static async Task<ETag?[]> WriteAsync(TableClient table, TableEntity[] rows, CancellationToken cancellationToken)
    {
        if (rows.Length == 1)
        {
            var row = rows[0];
            var written = row.ETag == default
                ? await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false)
                : await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return [written.Headers.ETag];
        }

        var actions = rows.Select(row => row.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, row)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag));
        var responses = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return [.. responses.Value.Select(r => r.Headers.ETag)];
    }

    private void Forget(OrgId orgId, string[] rowKeys)
    {
        foreach (var rowKey in rowKeys)
        {
            _lastWritten.TryRemove((orgId.Value, rowKey), out _);
        }
    }

    private void Remember((string, string) key, TableEntity row, ETag? etag)
    {
        if (etag is not { } version)
        {
            _lastWritten.TryRemove(key, out _);
            return;
        }

        if (_lastWritten.Count >= MaxRemembered && !_lastWritten.ContainsKey(key))
        {
            // Bounded: forgetting costs the next write one read, never a count.
            _lastWritten.Clear();
        }

        row.ETag = version;
        _lastWritten[key] = row;
    }

    private static UsageDay ToDay(TableEntity row) =>
        new(DateOnly.ParseExact(row.RowKey, "yyyyMMdd", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            row.GetInt64("InputTokens") ?? 0, row.GetInt64("OutputTokens") ?? 0, row.GetInt64("Runs") ?? 0, row.GetInt64("EmbeddingTokens") ?? 0);
}
