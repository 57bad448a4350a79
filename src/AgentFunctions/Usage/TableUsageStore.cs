using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Usage;

/// <summary>
/// Table <c>Usage</c>, PartitionKey = org id:
/// <list type="bullet">
/// <item>counter rows <c>c|{slot}</c> (slot <c>00</c>–<c>15</c>, picked at random by each instance when it starts):
/// <c>Day</c> (<c>yyyyMMdd</c>) with that UTC day's <c>InputTokens</c>, <c>OutputTokens</c>, <c>EmbeddingTokens</c>,
/// <c>Runs</c>, and <c>Window</c> (<c>yyyyMMddHHmm</c>) with <c>Count</c>, the requests admitted in that minute. An
/// instance writes only its own slot's row, so no row takes every instance's writes; the quotas sum the org's slots.</item>
/// <item>detail rows <c>u|yyyyMMdd|{agent}|{principal hash}|{slot}</c> (<see cref="UsageDetailKeys"/>): one day's tokens of one
/// agent and principal by kind, as counted by one slot; reports sum them.</item>
/// <item>access rows <c>a|{DateTime.MaxValue.Ticks - ticks:D19}-{random}</c>: the audit trail's rows of each invocation
/// (<see cref="HoldAccessRowAsync"/>; their content is the audit area's), kept here so that an invocation's usage and its
/// access row are one transaction.</item>
/// <item>rows written before counter rows existed, read and never written again: day totals <c>yyyyMMdd</c> (reports use
/// them for days without detail rows), <c>rpm</c>, and detail rows without the slot.</item>
/// </list>
/// Writes are held per org (<see cref="WriteBehindBuffer{TEntry}"/>) while an invocation runs and written when it ends,
/// one transaction for the slot row, the detail rows and the access rows; outside an invocation they are written at once. Each
/// counter and detail row is a read-modify-write under If-Match starting from the version this instance wrote last, so counts stay exact when two
/// instances drew the same slot. The quota checks count this instance's own rows and held writes exactly and the other
/// slots as read at most <see cref="UsageOptions.SyncMilliseconds"/> ago. Changing this key scheme is a breaking change.
/// </summary>
internal sealed class TableUsageStore : IRequestRateLimiter, IOrgDataOwner, IDeferredWrites
{
    public const string TableName = "Usage";
    public const int Slots = 16;
    private const string CounterPrefix = "c|";

    /// <summary>The RowKey prefix of access rows; the range <c>[a|, a})</c> holds nothing else.</summary>
    public const string AccessRowPrefix = "a|";

    /// <summary>The end of the access rows' RowKey range (exclusive).</summary>
    public const string AccessRowEnd = "a}";

    private const int MaxAttempts = 30;
    private const int MaxRemembered = 10_000;

    /// <summary>A transaction holds at most 100 rows: the slot row and up to 99 detail and access rows, one per held write at most.</summary>
    private const int MaxEntriesPerWrite = 99;

    private readonly TableProvider _tables;
    private readonly TimeProvider _time;
    private readonly IOptions<UsageOptions> _options;
    private readonly ConcurrentDictionary<(string OrgId, string RowKey), TableEntity> _lastWritten = new();
    private readonly BoundedCache<OrgId, IReadOnlyList<TableEntity>> _views;
    private readonly WriteBehindBuffer<PendingUsage> _pending;

    public TableUsageStore(TableProvider tables, TimeProvider time, IOptions<UsageOptions> options)
    {
        _tables = tables;
        _time = time;
        _options = options;
        _views = new BoundedCache<OrgId, IReadOnlyList<TableEntity>>(MaxRemembered, time);
        _pending = new WriteBehindBuffer<PendingUsage>(WriteAsync, MaxEntriesPerWrite, options.Value.MaxPendingEntries);
        Slot = Random.Shared.Next(Slots).ToString("D2", CultureInfo.InvariantCulture);
    }

    public string Area => "usage";

    /// <summary>This instance's counter slot.</summary>
    internal string Slot { get; }

    private string SlotRow => CounterPrefix + Slot;

    public static string DayKey(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string WindowKey(DateTimeOffset now) => now.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    public IDisposable Defer(OrgId orgId) => _pending.Defer();

    public Task FlushAsync(OrgId orgId, CancellationToken cancellationToken) => _pending.FlushAsync(orgId, cancellationToken);

    public void LeaveForRetry(OrgId orgId) => _pending.LeaveForRetry(orgId);

    public Task FlushAllAsync(bool failedOnly, CancellationToken cancellationToken) => _pending.FlushAllAsync(failedOnly, cancellationToken);

    /// <summary>
    /// Counts the entry into the org's slot row (today's totals, what the token quota sums) and into the day's detail row of
    /// its agent and principal (what <c>GET /api/usage</c> groups): held until the invocation ends, else written now.
    /// </summary>
    public Task AddAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return HoldAsync(orgId, new PendingUsage(DayKey(DateOnly.FromDateTime(now.UtcDateTime)), WindowKey(now), usage), cancellationToken);
    }

    /// <summary>
    /// Holds an access row of the audit trail (RowKey starting with <see cref="AccessRowPrefix"/>, insert-only: its key and
    /// content never change) with the org's usage, so the invocation's usage and access are written in one transaction
    /// when it ends; outside an invocation it is written now. Throws what the write threw, the row still held.
    /// </summary>
    public Task HoldAccessRowAsync(OrgId orgId, TableEntity row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.PartitionKey != orgId.Value || !row.RowKey.StartsWith(AccessRowPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An access row belongs to the org's partition and its key starts with '{AccessRowPrefix}'.", nameof(row));
        }

        return HoldAsync(orgId, new PendingUsage("", "", null, row), cancellationToken);
    }

    public async Task<bool> TryAcquireAsync(OrgId orgId, int requestsPerMinute, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var window = WindowKey(now);
        var counts = await CountAsync(orgId, now, cancellationToken).ConfigureAwait(false);
        if (counts.Requests >= requestsPerMinute)
        {
            return false;
        }

        await HoldAsync(orgId, new PendingUsage(DayKey(DateOnly.FromDateTime(now.UtcDateTime)), window, null), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Today's tokens of every kind across the org's slots (this instance's held ones included).</summary>
    public async Task<long> GetTodayTokensAsync(OrgId orgId, CancellationToken cancellationToken) =>
        (await CountAsync(orgId, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false)).Tokens;

    /// <summary>
    /// The detail rows of the days <paramref name="from"/> to <paramref name="to"/> (inclusive), oldest first, after
    /// writing what this instance holds for the org: one range query of the org's partition, streamed.
    /// </summary>
    internal async IAsyncEnumerable<UsageDetail> ReadDetailsAsync(
        OrgId orgId, DateOnly from, DateOnly to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _pending.FlushAsync(orgId, cancellationToken).ConfigureAwait(false);
        var table = await _tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {orgId.Value} and RowKey ge {UsageDetailKeys.DayStart(from)} and RowKey lt {UsageDetailKeys.DayEnd(to)}");
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

    public async Task<UsageDay?> GetDayAsync(OrgId orgId, DateOnly day, CancellationToken cancellationToken) =>
        (await ListAsync(orgId, day, day, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>
    /// The days from <paramref name="from"/> to <paramref name="to"/> (inclusive) that have usage, oldest first: the detail
    /// rows summed by day, and for days without detail rows the day totals stored before them.
    /// </summary>
    public async Task<IReadOnlyList<UsageDay>> ListAsync(OrgId orgId, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var days = new SortedDictionary<DateOnly, UsageDay>();
        await foreach (var detail in ReadDetailsAsync(orgId, from, to, cancellationToken).ConfigureAwait(false))
        {
            var sum = days.GetValueOrDefault(detail.Day) ?? new UsageDay(detail.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), 0, 0, 0);
            days[detail.Day] = sum with
            {
                InputTokens = sum.InputTokens + detail.ChatInputTokens,
                OutputTokens = sum.OutputTokens + detail.ChatOutputTokens,
                EmbeddingTokens = sum.EmbeddingTokens + detail.EmbeddingTokens,
                Runs = sum.Runs + detail.Runs,
            };
        }

        var table = await _tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {DayKey(from)} and RowKey le {DayKey(to)}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var day = DateOnly.ParseExact(row.RowKey, "yyyyMMdd", CultureInfo.InvariantCulture);
            if (!days.ContainsKey(day))
            {
                days[day] = new UsageDay(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    row.GetInt64("InputTokens") ?? 0, row.GetInt64("OutputTokens") ?? 0, row.GetInt64("Runs") ?? 0, row.GetInt64("EmbeddingTokens") ?? 0);
            }
        }

        return [.. days.Values];
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        await _pending.ForgetAsync(orgId, cancellationToken).ConfigureAwait(false);
        var table = await _tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
        _views.Remove(orgId);
        foreach (var key in _lastWritten.Keys.Where(k => k.OrgId == orgId.Value))
        {
            _lastWritten.TryRemove(key, out _);
        }
    }

    private async Task HoldAsync(OrgId orgId, PendingUsage entry, CancellationToken cancellationToken)
    {
        _pending.Add(orgId, entry);
        if (!_pending.Deferring)
        {
            await _pending.FlushAsync(orgId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Today's tokens and this minute's requests: the other slots as last read, this slot's row and what this instance holds.</summary>
    private async Task<(long Tokens, long Requests)> CountAsync(OrgId orgId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = DayKey(DateOnly.FromDateTime(now.UtcDateTime));
        var window = WindowKey(now);
        var view = await ViewAsync(orgId, cancellationToken).ConfigureAwait(false);
        var own = _lastWritten.TryGetValue((orgId.Value, SlotRow), out var remembered) ? remembered : view.FirstOrDefault(r => r.RowKey == SlotRow);
        long tokens = 0, requests = 0;
        foreach (var row in view.Where(r => r.RowKey != SlotRow).Append(own).OfType<TableEntity>())
        {
            if (row.GetString("Day") == day)
            {
                tokens += (row.GetInt64("InputTokens") ?? 0) + (row.GetInt64("OutputTokens") ?? 0) + (row.GetInt64("EmbeddingTokens") ?? 0);
            }

            if (row.GetString("Window") == window)
            {
                requests += row.GetInt64("Count") ?? 0;
            }
        }

        foreach (var held in _pending.Held(orgId))
        {
            if (held.Entry is { } entry && held.Day == day)
            {
                tokens += entry.ChatInputTokens + entry.ChatOutputTokens + entry.EmbeddingTokens;
            }
            else if (held.IsAdmission && held.Window == window)
            {
                requests++;
            }
        }

        return (tokens, requests);
    }

    /// <summary>The org's counter rows, read again when the last read is older than <see cref="UsageOptions.SyncMilliseconds"/>.</summary>
    private async Task<IReadOnlyList<TableEntity>> ViewAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        if (_views.TryGet(orgId, out var view))
        {
            return view;
        }

        var table = await _tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {CounterPrefix} and RowKey lt {"c}"}");
        var rows = new List<TableEntity>(Slots);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        if (_options.Value.SyncMilliseconds > 0)
        {
            _views.Set(orgId, rows, TimeSpan.FromMilliseconds(_options.Value.SyncMilliseconds));
        }

        return rows;
    }

    /// <summary>
    /// Writes held entries: the slot row (today's tokens, this minute's requests), each entry's detail row and the access rows,
    /// one transaction.
    /// </summary>
    private async Task WriteAsync(OrgId orgId, IReadOnlyList<PendingUsage> batch, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var today = DayKey(DateOnly.FromDateTime(now.UtcDateTime));
        var window = WindowKey(now);
        var entries = batch.Where(p => p.Entry is not null).ToList();
        var details = entries
            .GroupBy(p => UsageDetailKeys.For(DateOnly.ParseExact(p.Day, "yyyyMMdd", CultureInfo.InvariantCulture), p.Entry!.Agent, p.Entry.Principal, Slot), StringComparer.Ordinal)
            .ToList();
        var requests = batch.Count(p => p.IsAdmission && p.Window == window); // requests of minutes already over count for nothing
        var slotEntries = entries.Where(p => p.Day == today).Select(p => p.Entry!).ToList();
        var writeSlot = requests > 0 || slotEntries.Count > 0;
        string[] rowKeys = [.. writeSlot ? [SlotRow] : Array.Empty<string>(), .. details.Select(d => d.Key)];
        TableEntity[] accessRows = [.. batch.Select(p => p.AccessRow).OfType<TableEntity>()];
        if (rowKeys.Length == 0 && accessRows.Length == 0)
        {
            return;
        }

        await ChangeAsync(orgId, rowKeys, accessRows, rows =>
        {
            var next = 0;
            if (writeSlot)
            {
                var slot = rows[next++];
                if (slot.GetString("Day") != today)
                {
                    slot["Day"] = today;
                    slot["InputTokens"] = slot["OutputTokens"] = slot["EmbeddingTokens"] = slot["Runs"] = 0L;
                }

                if (slot.GetString("Window") != window)
                {
                    slot["Window"] = window;
                    slot["Count"] = 0L;
                }

                Add(slot, "Count", requests);
                slotEntries.ForEach(e => AddTokens(slot, e));
            }

            foreach (var detail in details)
            {
                var row = rows[next++];
                var first = detail.First().Entry!;
                row[UsageDetailKeys.AgentProperty] = first.Agent;
                row[UsageDetailKeys.PrincipalProperty] = first.Principal;
                foreach (var held in detail)
                {
                    AddTokens(row, held.Entry!);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void AddTokens(TableEntity row, UsageEntry usage)
    {
        Add(row, "InputTokens", usage.ChatInputTokens);
        Add(row, "OutputTokens", usage.ChatOutputTokens);
        Add(row, "EmbeddingTokens", usage.EmbeddingTokens);
        Add(row, "Runs", usage.Runs);
    }

    private static void Add(TableEntity row, string property, long amount) => row[property] = (row.GetInt64(property) ?? 0) + amount;

    /// <summary>
    /// Read-modify-write of rows of the org's partition under If-Match, written with <paramref name="upserts"/> (rows that are
    /// only ever written whole: a retry after a lost answer writes them again instead of failing) in one
    /// request (one transaction when there are several). The first attempt starts from the versions this instance wrote
    /// last (where it has them) instead of reading them: If-Match still refuses the write when anyone changed a row since,
    /// and then the rows are read.
    /// </summary>
    private async Task ChangeAsync(OrgId orgId, string[] rowKeys, TableEntity[] upserts, Action<TableEntity[]> change, CancellationToken cancellationToken)
    {
        var table = await _tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
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

            change(rows);
            try
            {
                var versions = await WriteRowsAsync(table, rows, upserts, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < rows.Length; i++)
                {
                    Remember((orgId.Value, rowKeys[i]), rows[i], versions[i]);
                }

                return;
            }
            catch (RequestFailedException e) when (remembered && e.Status is 404 or 409 or 412)
            {
                // Changed or deleted since this instance wrote it: read the rows on the next attempt.
                Forget(orgId, rowKeys);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another instance on the same slot wrote first: back off a little (jittered) and re-read.
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Adds new rows and replaces stored ones under If-Match, and upserts <paramref name="upserts"/>; the new versions of
    /// <paramref name="rows"/>, in their order.
    /// </summary>
    private static async Task<ETag?[]> WriteRowsAsync(TableClient table, TableEntity[] rows, TableEntity[] upserts, CancellationToken cancellationToken)
    {
        switch (rows.Length, upserts.Length)
        {
            case (1, 0):
                var row = rows[0];
                var written = row.ETag == default
                    ? await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false)
                    : await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return [written.Headers.ETag];
            case (0, 1):
                await table.UpsertEntityAsync(upserts[0], TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return [];
        }

        var actions = rows.Select(row => row.ETag == default
            ? new TableTransactionAction(TableTransactionActionType.Add, row)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag))
            .Concat(upserts.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)));
        var responses = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return [.. responses.Value.Take(rows.Length).Select(r => r.Headers.ETag)];
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
}
