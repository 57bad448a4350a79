using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Usage;

/// <summary>One org's model usage on one UTC day.</summary>
internal sealed record UsageDay(
    [property: JsonPropertyName("date")] string Date,
    [property: JsonPropertyName("inputTokens")] long InputTokens,
    [property: JsonPropertyName("outputTokens")] long OutputTokens,
    [property: JsonPropertyName("runs")] long Runs)
{
    [JsonPropertyName("totalTokens")]
    public long TotalTokens => InputTokens + OutputTokens;
}

/// <summary>Admits one request against a per-minute limit; false when the limit is reached.</summary>
internal interface IRequestRateLimiter
{
    Task<bool> TryAcquireAsync(OrgId orgId, int requestsPerMinute, CancellationToken cancellationToken);
}

/// <summary>
/// Table <c>Usage</c>, PartitionKey = org id:
/// RowKey <c>yyyyMMdd</c> (UTC day) holds <c>InputTokens</c>, <c>OutputTokens</c>, <c>Runs</c>;
/// RowKey <c>rpm</c> holds the current minute's request counter (<c>Window</c> = <c>yyyyMMddHHmm</c>, <c>Count</c>);
/// RowKey <c>u|yyyyMMdd|{agent}|{principal hash}</c> (<see cref="UsageDetailKeys"/>) holds one day's tokens of one agent
/// and principal by kind.
/// Every increment is a read-modify-write under If-Match, retried on conflict, so counts stay exact
/// across instances. Changing this key scheme is a breaking change.
/// </summary>
internal sealed class TableUsageStore(TableProvider tables, TimeProvider time) : IRequestRateLimiter, IOrgDataOwner
{
    public const string TableName = "Usage";
    public const string RateRow = "rpm";
    private const int MaxAttempts = 30;

    public string Area => "usage";

    public static string DayKey(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Adds chat tokens and runs to the day row (the one row the quota check reads) and every kind of
    /// tokens to the day's detail row of the entry's agent and principal (what <c>GET /api/usage</c> groups).
    /// </summary>
    public async Task AddAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (usage.Runs > 0 || usage.ChatInputTokens > 0 || usage.ChatOutputTokens > 0)
        {
            await ChangeAsync(orgId, DayKey(day), row =>
            {
                Add(row, "InputTokens", usage.ChatInputTokens);
                Add(row, "OutputTokens", usage.ChatOutputTokens);
                Add(row, "Runs", usage.Runs);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        await ChangeAsync(orgId, UsageDetailKeys.For(day, usage.Agent, usage.Principal), row =>
        {
            row[UsageDetailKeys.AgentProperty] = usage.Agent;
            row[UsageDetailKeys.PrincipalProperty] = usage.Principal;
            Add(row, "InputTokens", usage.ChatInputTokens);
            Add(row, "OutputTokens", usage.ChatOutputTokens);
            Add(row, "EmbeddingTokens", usage.EmbeddingTokens);
            Add(row, "Runs", usage.Runs);
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
    }

    /// <summary>
    /// Read-modify-write of one row under If-Match. <paramref name="change"/> edits the row and returns
    /// whether to write it; the result is that decision, taken on the row version that was stored.
    /// </summary>
    private async Task<bool> ChangeAsync(OrgId orgId, string rowKey, Func<TableEntity, bool> change, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            var row = existing.HasValue ? existing.Value! : new TableEntity(orgId.Value, rowKey);
            if (!change(row))
            {
                return false;
            }

            try
            {
                if (existing.HasValue)
                {
                    await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another instance wrote first: back off a little (jittered) and re-read.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static UsageDay ToDay(TableEntity row) =>
        new(DateOnly.ParseExact(row.RowKey, "yyyyMMdd", CultureInfo.InvariantCulture).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            row.GetInt64("InputTokens") ?? 0, row.GetInt64("OutputTokens") ?? 0, row.GetInt64("Runs") ?? 0);
}
