using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

public sealed class UsageStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task AddAsync_ConcurrentFromTwoInstances_CountsEveryToken()
    {
        using var instance1 = OrgServices.Create(azurite);
        using var instance2 = OrgServices.Create(azurite);
        var stores = new[] { instance1.GetRequiredService<TableUsageStore>(), instance2.GetRequiredService<TableUsageStore>() };
        var orgId = OrgId.Parse("usage-concurrent");

        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => stores[i % 2].AddAsync(orgId, UsageEntry.Chat("default", new AgentUsage(10, 3)), default)));

        var day = await stores[0].GetDayAsync(orgId, Today, default);
        Assert.Equal(new UsageDay(Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 240, 72, 24), day);
    }

    [Fact]
    public async Task AddAsync_RememberedVersionStaleOrDeleted_CountsExactly()
    {
        using var instance1 = OrgServices.Create(azurite);
        using var instance2 = OrgServices.Create(azurite);
        var (store1, store2) = (instance1.GetRequiredService<TableUsageStore>(), instance2.GetRequiredService<TableUsageStore>());
        var orgId = OrgId.Parse("usage-remembered");

        // Each instance writes on top of the other's write, so every remembered version is stale once.
        for (var i = 0; i < 6; i++)
        {
            await (i % 2 == 0 ? store1 : store2).AddAsync(orgId, UsageEntry.Chat("default", new AgentUsage(10, 1)), default);
        }

        Assert.Equal(6, (await store1.GetDayAsync(orgId, Today, default))!.Runs);

        // Deleted by the other instance: the remembered version is gone, the next write starts a new row.
        await store2.DeleteAllAsync(orgId, default);
        await store1.AddAsync(orgId, UsageEntry.Chat("default", new AgentUsage(7, 2)), default);

        Assert.Equal(new UsageDay(Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 7, 2, 1), await store2.GetDayAsync(orgId, Today, default));
    }

    [Fact]
    public async Task TryAcquireAsync_ConcurrentBeyondLimitOnOneInstance_AdmitsExactlyTheLimit()
    {
        using var services = OrgServices.Create(azurite);
        var limiter = services.GetRequiredService<IRequestRateLimiter>();
        var orgId = OrgId.Parse("usage-rpm");

        var minuteBefore = DateTime.UtcNow.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture);
        var admitted = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => limiter.TryAcquireAsync(orgId, 10, default)));
        var minuteAfter = DateTime.UtcNow.ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture);

        // Exactly the limit within one minute; if the minute turned during the burst, a new window opened.
        Assert.Equal(minuteBefore == minuteAfter ? 10 : admitted.Count(a => a), admitted.Count(a => a));
        Assert.InRange(admitted.Count(a => a), 10, 20);
    }

    [Fact]
    public async Task TryAcquireAsync_OtherInstanceUsedTheLimit_RefusedOnceItsCountersAreRead()
    {
        using var instance1 = OrgServices.Create(azurite);
        using var instance2 = OrgServices.Create(azurite, ("Usage:SyncMilliseconds", "0"));
        var (limiter1, limiter2) = (instance1.GetRequiredService<IRequestRateLimiter>(), instance2.GetRequiredService<IRequestRateLimiter>());
        var orgId = OrgId.Parse("usage-rpm-two");

        var window = DateTime.UtcNow.Minute;
        var first = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => limiter1.TryAcquireAsync(orgId, 4, default)));
        var second = await limiter2.TryAcquireAsync(orgId, 4, default);

        Assert.All(first, Assert.True);
        if (DateTime.UtcNow.Minute == window)
        {
            Assert.False(second); // instance 2 counts instance 1's slot: the org's limit, not each instance's
        }
    }

    [Fact]
    public async Task AddAsync_Deferred_HeldUntilFlushedThenOneTransaction()
    {
        using var services = OrgServices.Create(azurite);
        var store = services.GetRequiredService<TableUsageStore>();
        var orgId = OrgId.Parse("usage-held");

        using (((IDeferredWrites)store).Defer(orgId))
        {
            await store.AddAsync(orgId, UsageEntry.Chat("default", new AgentUsage(10, 3)), default);
            await store.AddAsync(orgId, UsageEntry.Chat("helper", new AgentUsage(5, 1)), default);
            Assert.Equal(19, await store.GetTodayTokensAsync(orgId, default)); // held usage counts for the quota at once
            Assert.Empty(await OrgRowsAsync(orgId));
        }

        await ((IDeferredWrites)store).FlushAsync(orgId, default);

        var rows = await OrgRowsAsync(orgId);
        Assert.Equal(["c|" + store.Slot], rows.Where(r => r.RowKey.StartsWith("c|", StringComparison.Ordinal)).Select(r => r.RowKey));
        Assert.Equal(2, rows.Count(r => r.RowKey.StartsWith("u|", StringComparison.Ordinal) && r.RowKey.EndsWith("|" + store.Slot, StringComparison.Ordinal)));
        Assert.Equal(new UsageDay(Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 15, 4, 2), await store.GetDayAsync(orgId, Today, default));
    }

    [Fact]
    public async Task FlushAsync_StorageFailing_KeepsEntriesAndWritesThemOnTheNextFlush()
    {
        await using var proxy = new StorageProxy(azurite.TablePort);
        using var services = OrgServices.Create(azurite,
            ("AzureWebJobsStorage", StorageProxy.ConnectionString(azurite, table: proxy)), ("Storage:MaxRetries", "0"), ("Storage:NetworkTimeout", "00:00:02"));
        var store = services.GetRequiredService<TableUsageStore>();
        var orgId = OrgId.Parse("usage-retried");
        await store.AddAsync(orgId, UsageEntry.Chat("default", new AgentUsage(1, 1)), default); // tables exist before the outage

        proxy.Mode = StorageProxyMode.Refuse;
        using (((IDeferredWrites)store).Defer(orgId))
        {
            await store.AddAsync(orgId, UsageEntry.Chat("default", new AgentUsage(20, 2)), default);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => ((IDeferredWrites)store).FlushAsync(orgId, default));
        proxy.Mode = StorageProxyMode.Forward;
        await ((IDeferredWrites)store).FlushAllAsync(failedOnly: true, default); // what the background retry does

        Assert.Equal(24, (await store.GetDayAsync(orgId, Today, default))!.TotalTokens);
    }

    private async Task<List<Azure.Data.Tables.TableEntity>> OrgRowsAsync(OrgId orgId)
    {
        var table = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString).GetTableClient(TableUsageStore.TableName);
        await table.CreateIfNotExistsAsync();
        return [.. table.Query<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"))];
    }

    [Fact]
    public async Task EnsureWithinQuotaAsync_TokensPerDayUsedUp_Throws429UntilMidnight()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("usage-quota");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId,
            new OrgDefinition("Quota", null, new OrgModelSettings(), new OrgQuotas(TokensPerDay: 100), true), default);
        var meter = services.GetRequiredService<IUsageMeter>();

        await meter.EnsureWithinQuotaAsync(orgId, default);
        await meter.RecordAsync(orgId, UsageEntry.Chat("default", new AgentUsage(60, 40)), default);
        var error = await Assert.ThrowsAsync<ApiException>(() => meter.EnsureWithinQuotaAsync(orgId, default).AsTask());

        Assert.Equal((429, ErrorCodes.QuotaExceeded), (error.Status, error.Code));
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.Zero, TimeSpan.FromDays(1));
    }

    [Fact]
    public async Task ListAsync_OtherOrgUsage_NotIncluded()
    {
        using var services = OrgServices.Create(azurite);
        var store = services.GetRequiredService<TableUsageStore>();
        await store.AddAsync(OrgId.Parse("usage-own"), UsageEntry.Chat("default", new AgentUsage(1, 1)), default);
        await store.AddAsync(OrgId.Parse("usage-other"), UsageEntry.Chat("default", new AgentUsage(500, 500)), default);
        await store.TryAcquireAsync(OrgId.Parse("usage-own"), 5, default);

        var days = await store.ListAsync(OrgId.Parse("usage-own"), Today.AddDays(-1), Today, default);

        Assert.Equal(2, Assert.Single(days).TotalTokens);
    }
}
