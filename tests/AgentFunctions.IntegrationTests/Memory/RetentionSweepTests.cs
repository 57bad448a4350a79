using AgentFunctions.Audit;
using AgentFunctions.Conversations;
using AgentFunctions.IntegrationTests.Orgs;
using AgentFunctions.Jobs;
using AgentFunctions.Memory;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.IntegrationTests.Memory;

/// <summary>
/// The retention sweep on Azurite with the real registry, stores, cursor and audit trail: two orgs share every
/// conversation and job id, one with a retention and one keeping everything; a clock moved past the retention.
/// </summary>
public sealed class RetentionSweepTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const int Conversations = 23;
    private const int FinishedJobs = 12;
    private const int Batch = 5;

    [Fact]
    public async Task RunAsync_ConcurrentTurnsMeanwhile_DeletesExactlyTheExpiredInBoundedAuditedBatches()
    {
        var clock = new ManualClock();
        using var services = Services(azurite, clock, maxBatches: 1000);
        var (sweeping, keeping) = await SeedAsync(services, clock, "concurrent");
        clock.Advance(TimeSpan.FromHours(2));
        var store = services.GetRequiredService<TableConversationStore>();

        // Turns land on fresh conversations of both orgs while the sweep runs.
        var writes = Task.WhenAll(Enumerable.Range(0, 10).SelectMany(i => new[]
        {
            store.AppendTurnAsync(sweeping, $"fresh-{i:D2}", Turn(clock), default),
            store.AppendTurnAsync(keeping, $"fresh-{i:D2}", Turn(clock), default),
        }));
        var run = await services.GetRequiredService<RetentionSweep>().RunAsync(default);
        await writes;

        Assert.True(run.Finished);
        Assert.Equal((Conversations, FinishedJobs), ((int)run.ConversationsDeleted, (int)run.JobsDeleted));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"fresh-{i:D2}"), await ConversationIdsAsync(azurite, sweeping));
        Assert.Equal(["queued-0", "queued-1"], await JobIdsAsync(azurite, sweeping));
        // The org that keeps everything is untouched, the shared ids included.
        Assert.Equal(Conversations + 10, (await ConversationIdsAsync(azurite, keeping)).Count);
        Assert.Equal(FinishedJobs + 2, (await JobIdsAsync(azurite, keeping)).Count);
        // Audited step by step in the swept org's trail only, no step over the batch bound.
        var audited = await SweepAuditAsync(services, sweeping);
        Assert.All(audited, count => Assert.InRange(count, 1, Batch));
        Assert.Equal(Conversations + FinishedJobs, audited.Sum());
        Assert.Empty(await SweepAuditAsync(services, keeping));
        Assert.Null(await services.GetRequiredService<SweepCursor>().ReadAsync(default));
    }

    [Fact]
    public async Task RunAsync_StoppedAtItsBoundThenCrashed_NextRunResumesAtTheCursorAndFinishes()
    {
        // Storage of its own: the sweep's steps count across every org with a retention, so no other test's orgs.
        var storage = new AzuriteFixture();
        await storage.InitializeAsync();
        try
        {
            await StopCrashAndResumeAsync(storage);
        }
        finally
        {
            await storage.DisposeAsync();
        }
    }

    private static async Task StopCrashAndResumeAsync(AzuriteFixture storage)
    {
        var clock = new ManualClock();
        var (sweeping, keeping) = (OrgId.Parse("resume-a"), OrgId.Parse("resume-b"));
        using (var first = Services(storage, clock, maxBatches: 2))
        {
            (sweeping, keeping) = await SeedAsync(first, clock, "resume");
            clock.Advance(TimeSpan.FromHours(2));

            var stopped = await first.GetRequiredService<RetentionSweep>().RunAsync(default);

            Assert.False(stopped.Finished);
            Assert.Equal((2, 2 * Batch), (stopped.Steps, (int)stopped.ConversationsDeleted));
            var cursor = await first.GetRequiredService<SweepCursor>().ReadAsync(default);
            Assert.Equal((sweeping, SweepPhase.Conversations), (cursor!.OrgId, cursor.Phase));
            Assert.NotNull(cursor.Position);
        }

        // A second instance dies mid-run (its token is cancelled between requests).
        using (var crashing = Services(storage, clock, maxBatches: 1000))
        {
            using var dying = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                while (true)
                {
                    await crashing.GetRequiredService<RetentionSweep>().RunAsync(dying.Token);
                }
            });
        }

        // A third instance picks up from the saved cursor and finishes.
        using var last = Services(storage, clock, maxBatches: 1000);
        var finished = await last.GetRequiredService<RetentionSweep>().RunAsync(default);

        Assert.True(finished.Finished);
        Assert.Empty(await ConversationIdsAsync(storage, sweeping));
        Assert.Equal(["queued-0", "queued-1"], await JobIdsAsync(storage, sweeping));
        Assert.Equal(Conversations, (await ConversationIdsAsync(storage, keeping)).Count);
        Assert.Equal(FinishedJobs + 2, (await JobIdsAsync(storage, keeping)).Count);
        // Each step is audited once it has deleted: a crash between a step's deletes and its audit row loses at most that one row.
        var audited = await SweepAuditAsync(last, sweeping);
        Assert.All(audited, count => Assert.InRange(count, 1, Batch));
        Assert.InRange(audited.Sum(), Conversations + FinishedJobs - Batch, Conversations + FinishedJobs);
    }

    private static ServiceProvider Services(AzuriteFixture storage, ManualClock clock, int maxBatches) =>
        OrgServices.Create(
            storage,
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddConversations();
                services.TryAddSingleton<JobStore>();
                // The sweep's part of AddMemory (the export's stores are not in this container).
                services.AddOptions<RetentionSweepOptions>().BindConfiguration(RetentionSweepOptions.Section).ValidateDataAnnotations();
                services.TryAddSingleton<SweepCursor>();
                services.TryAddSingleton<RetentionSweep>();
            },
            ("Orgs:CacheSeconds", "0"),
            ("Retention:BatchSize", Batch.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Retention:MaxBatchesPerRun", maxBatches.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Two orgs with the same conversation and job ids: the first keeps conversations and jobs one hour.</summary>
    private static async Task<(OrgId Sweeping, OrgId Keeping)> SeedAsync(ServiceProvider services, ManualClock clock, string prefix)
    {
        var registry = services.GetRequiredService<IOrgRegistry>();
        var sweeping = OrgId.Parse($"{prefix}-sweeping");
        var keeping = OrgId.Parse($"{prefix}-keeping");
        await registry.PutAsync(sweeping, new OrgPutRequest("Sweeping", null, null, null, null, new OrgRetentionSettings { Conversations = "PT1H", Jobs = "PT1H" }).Validate(), default);
        await registry.PutAsync(keeping, new OrgPutRequest("Keeping", null, null, null, null).Validate(), default);
        var store = services.GetRequiredService<TableConversationStore>();
        var jobs = services.GetRequiredService<JobStore>();
        foreach (var org in new[] { sweeping, keeping })
        {
            for (var i = 0; i < Conversations; i++)
            {
                await store.AppendTurnAsync(org, $"old-{i:D2}", Turn(clock), default);
            }

            for (var i = 0; i < FinishedJobs; i++)
            {
                await jobs.CreateAsync(new JobRecord(org, $"done-{i:D2}", JobStatus.Succeeded, "q", "c", 1, clock.GetUtcNow(), Output: "a", CompletedAt: clock.GetUtcNow()), default);
            }

            for (var i = 0; i < 2; i++)
            {
                await jobs.CreateAsync(new JobRecord(org, $"queued-{i}", JobStatus.Queued, "q", "c", 0, clock.GetUtcNow()), default);
            }
        }

        return (sweeping, keeping);
    }

    private static ConversationTurn Turn(ManualClock clock) =>
        new(null, new ConversationMessage(MessageRole.User, "q", clock.GetUtcNow()), new ConversationMessage(MessageRole.Assistant, "a", clock.GetUtcNow()));

    /// <summary>The conversation ids that have any row (head, message, marker or index row) in the org's partition.</summary>
    private static async Task<List<string>> ConversationIdsAsync(AzuriteFixture storage, OrgId orgId)
    {
        var table = new TableServiceClient(storage.ConnectionString).GetTableClient(ConversationKeys.TableName);
        var ids = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), select: ["RowKey"])
            .Select(row => row.RowKey.StartsWith('~') ? row.RowKey.Split('|')[^1] : row.RowKey.Split('|')[0])
            .Distinct()
            .ToListAsync();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    private static async Task<List<string>> JobIdsAsync(AzuriteFixture storage, OrgId orgId)
    {
        var table = new TableServiceClient(storage.ConnectionString).GetTableClient("Jobs");
        var ids = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), select: ["RowKey"])
            .Select(row => row.RowKey).ToListAsync();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>How many items each audited sweep step deleted in the org's trail.</summary>
    private static async Task<List<int>> SweepAuditAsync(ServiceProvider services, OrgId orgId)
    {
        var page = await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 1000, null, default);
        return [.. page.Events
            .Where(e => e.Principal == RetentionSweep.Principal)
            .Select(e => int.Parse(e.Action.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture))];
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
