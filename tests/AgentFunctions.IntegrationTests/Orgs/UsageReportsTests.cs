using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

public sealed class UsageReportsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task GetAsync_ConcurrentWritesOfTwoAgentsAndPrincipals_GroupsEveryToken()
    {
        using var instance1 = OrgServices.Create(azurite);
        using var instance2 = OrgServices.Create(azurite);
        var meters = new[] { instance1.GetRequiredService<IUsageMeter>(), instance2.GetRequiredService<IUsageMeter>() };
        var orgId = OrgId.Parse("usage-groups");
        var entries = Enumerable.Range(0, 20).Select(i => (i % 4) switch
        {
            0 => new UsageEntry("default", "key:alice", 10, 2, 0, 1),
            1 => new UsageEntry("writer", "key:alice", 5, 1, 0, 1),
            2 => new UsageEntry("writer", "jwt:bob|x", 7, 3, 0, 1),
            _ => new UsageEntry(UsageEntry.NoAgent, "jwt:bob|x", 0, 0, 50, 0),
        });
        await Task.WhenAll(entries.Select((entry, i) => meters[i % 2].RecordAsync(orgId, entry, default).AsTask()));
        await meters[0].RecordAsync(OrgId.Parse("usage-groups-other"), new UsageEntry("default", "key:alice", 1000, 1000, 1000, 1), default);
        var reports = instance1.GetRequiredService<UsageReports>();

        var byDay = await reports.GetAsync(orgId, null, null, "day", default);
        var byAgent = await reports.GetAsync(orgId, null, null, "agent", default);
        var byPrincipal = await reports.GetAsync(orgId, Today, Today, "principal", default);
        var byKind = await reports.GetAsync(orgId, null, null, "kind", default);

        Assert.Equal([new UsageGroup(Today, 110, 30, 250, 15)], byDay.Groups);
        Assert.Equal(
            [new UsageGroup(UsageEntry.NoAgent, 0, 0, 250, 0), new UsageGroup("default", 50, 10, 0, 5), new UsageGroup("writer", 60, 20, 0, 10)],
            byAgent.Groups);
        Assert.Equal([new UsageGroup("jwt:bob|x", 35, 15, 250, 5), new UsageGroup("key:alice", 75, 15, 0, 10)], byPrincipal.Groups);
        Assert.Equal(
            [new UsageGroup("chat_input", 110, 0, 0, 0), new UsageGroup("chat_output", 0, 30, 0, 0), new UsageGroup("embedding", 0, 0, 250, 0)],
            byKind.Groups);
        // The quota's day row counts every kind, embeddings included.
        Assert.Equal(390, (await instance1.GetRequiredService<TableUsageStore>().GetDayAsync(orgId, DateOnly.FromDateTime(DateTime.UtcNow), default))!.TotalTokens);
    }

    [Fact]
    public async Task GetAsync_RangeBeforeAnyUsage_ReturnsNoGroups()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("usage-range");
        await services.GetRequiredService<IUsageMeter>().RecordAsync(orgId, new UsageEntry("default", "key:a", 1, 1, 0, 1), default);

        var report = await services.GetRequiredService<UsageReports>().GetAsync(orgId, "2020-01-01", "2020-01-31", null, default);

        Assert.Equal(("2020-01-01", "2020-01-31", "day"), (report.From, report.To, report.GroupBy));
        Assert.Empty(report.Groups);
    }

    [Theory]
    [InlineData("2026-01-01", "2026-01-31", "month", "groupBy")]
    [InlineData("01/01/2026", null, "day", "from")]
    [InlineData(null, "2026-13-01", "day", "to")]
    [InlineData("2026-02-01", "2026-01-01", "day", "from")]
    [InlineData("2024-01-01", "2026-01-01", "day", "from")]
    public async Task GetAsync_BadParameter_400NamingIt(string? from, string? to, string? groupBy, string field)
    {
        using var services = OrgServices.Create(azurite);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            services.GetRequiredService<UsageReports>().GetAsync(OrgId.Parse("usage-bad"), from, to, groupBy, default));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith($"'{field}'", error.Message, StringComparison.Ordinal);
    }
}
