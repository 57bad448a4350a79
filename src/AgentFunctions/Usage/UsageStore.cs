using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Serialization;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Usage;

/// <summary>One org's model usage on one UTC day: agent runs' tokens and, as their own kind, embedding tokens (knowledge).</summary>
internal sealed record UsageDay(
    [property: JsonPropertyName("date")] string Date,
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens,
    [property: JsonPropertyName("runs")] long Runs,
    [property: JsonPropertyName("embeddingTokens")] long EmbeddingTokens = 0)
{
    [JsonPropertyName("totalTokens")]
    public long TotalTokens => InputTokens + OutputTokens + EmbeddingTokens;
}

/// <summary>Admits one request against a per-minute limit; false when the limit is reached.</summary>
internal interface IRequestRateLimiter
{
    Task<bool> TryAcquireAsync(OrgId orgId, int requestsPerMinute, CancellationToken cancellationToken);
}

/// <summary>
/// Table <c>Usage</c>, PartitionKey = org id:
/// RowKey <c>yyyyMMdd</c> (UTC day) holds <c>InputTokens</c>, <c>OutputTokens</c>, <c>Runs</c>, <c>EmbeddingTokens</c>;
/// RowKey <c>rpm</c> holds the current minute's request counter (<c>Window</c> = <c>yyyyMMddHHmm</c>, <c>Count</c>).
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

    public async Task AddAsync(OrgId orgId, AgentUsage usage, CancellationToken cancellationToken)
    {
        var day = DayKey(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        await ChangeAsync(orgId, day, row =>
        {
            row["InputTokens"] = (row.GetInt64("InputTokens") ?? 0) + usage.InputTokens;
            row["OutputTokens"] = (row.GetInt64("OutputTokens") ?? 0) + usage.OutputTokens;
            row["Runs"] = (row.GetInt64("Runs") ?? 0) + 1;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task AddEmbeddingAsync(OrgId orgId, long tokens, CancellationToken cancellationToken)
    {
        var day = DayKey(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        await ChangeAsync(orgId, day, row =>
        {
            row["EmbeddingTokens"] = (row.GetInt64("EmbeddingTokens") ?? 0) + tokens;
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

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
        return await ChangeAsync(orgId, RateRow, row =>
        {
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
    /// Read-modify-write of one row under If-Match. <paramref name="change"/> edits the row and returns
    /// whether to write it; the result is that decision, taken on the row version that was stored.
    /// The first attempt starts from the version this instance wrote last (if any) instead of reading it:
    /// If-Match still refuses the write when anyone changed the row since, and then the row is read.
    /// A refusal taken on that remembered version stands, since counts only grow within their window.
    /// </summary>
    private async Task<bool> ChangeAsync(OrgId orgId, string rowKey, Func<TableEntity, bool> change, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var key = (orgId.Value, rowKey);
        for (var attempt = 1; ; attempt++)
        {
            TableEntity? last = null;
            var remembered = attempt == 1 && _lastWritten.TryGetValue(key, out last);
            TableEntity row;
            if (remembered)
            {
                row = new TableEntity(last!) { ETag = last!.ETag };
            }
            else
            {
                var existing = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                row = existing.HasValue ? existing.Value! : new TableEntity(orgId.Value, rowKey);
            }

            if (!change(row))
            {
                return false;
            }

            try
            {
                var written = row.ETag == default
                    ? await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false)
                    : await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                Remember(key, row, written.Headers.ETag);
                return true;
            }
            catch (RequestFailedException e) when (remembered && e.Status is 404 or 409 or 412)
            {
                // Changed or deleted since this instance wrote it: read it on the next attempt.
                _lastWritten.TryRemove(key, out _);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another instance wrote first: back off a little (jittered) and re-read.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
            }
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
