using AgentFunctions.Jobs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.IntegrationTests.Jobs;

public sealed class JobStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private JobStore Store() => new(new TableProvider(new TableServiceClient(azurite.ConnectionString)));

    private static JobRecord NewJob(string org, string jobId) =>
        new(OrgId.Parse(org), jobId, JobStatus.Queued, "hello", "conv-" + jobId, 0, Now);

    [Fact]
    public async Task TryReplaceAsync_LongOutput_RoundTripsInParts()
    {
        var store = Store();
        var created = await store.CreateAsync(NewJob("store-parts", "j1"), default);
        var output = string.Concat(Enumerable.Range(0, 7_000).Select(i => $"{i:D9}|"));

        var claimed = await store.TryReplaceAsync(JobStateMachine.Claim(created, new JobDelivery("m1", 1), Now), default);
        var done = await store.TryReplaceAsync(JobStateMachine.Succeed(claimed!, new Agents.AgentRunResult(output, "conv-j1", new Agents.AgentUsage(5, 6), []), Now), default);
        var read = await store.GetAsync(OrgId.Parse("store-parts"), "j1", default);

        Assert.NotNull(done);
        Assert.Equal(70_000, read!.Output!.Length);
        Assert.Equal(output, read.Output);
        Assert.Equal(JobStatus.Succeeded, read.Status);
        Assert.Equal(new Agents.AgentUsage(5, 6), read.Usage);
        Assert.Equal(1, read.Attempts);
        Assert.Equal("m1", read.ClaimMessageId);
    }

    [Fact]
    public async Task TryReplaceAsync_EmojiAcrossAPartBoundary_RoundTripsIntact()
    {
        var store = Store();
        var created = await store.CreateAsync(NewJob("store-emoji", "j1"), default);
        // The emoji's high surrogate falls on the last character of the first part.
        var output = new string('a', JobEntity.OutputPartLength - 1) + "\U0001F600" + new string('b', 100);

        var claimed = await store.TryReplaceAsync(JobStateMachine.Claim(created, new JobDelivery("m1", 1), Now), default);
        await store.TryReplaceAsync(JobStateMachine.Succeed(claimed!, new Agents.AgentRunResult(output, "conv-j1", new Agents.AgentUsage(1, 1), []), Now), default);
        var read = await store.GetAsync(OrgId.Parse("store-emoji"), "j1", default);

        Assert.Equal(output, read!.Output);
    }

    [Fact]
    public async Task GetAsync_OtherOrgsJob_ReturnsNull()
    {
        var store = Store();
        await store.CreateAsync(NewJob("store-owner", "shared-id"), default);

        var read = await store.GetAsync(OrgId.Parse("store-intruder"), "shared-id", default);

        Assert.Null(read);
    }

    [Fact]
    public async Task TryReplaceAsync_StaleETag_ReturnsNullAndKeepsTheWinner()
    {
        var store = Store();
        var created = await store.CreateAsync(NewJob("store-race", "j1"), default);
        var winner = await store.TryReplaceAsync(JobStateMachine.Claim(created, new JobDelivery("m1", 1), Now), default);

        var loser = await store.TryReplaceAsync(JobStateMachine.Claim(created, new JobDelivery("m2", 1), Now), default);

        Assert.NotNull(winner);
        Assert.Null(loser);
        Assert.Equal("m1", (await store.GetAsync(OrgId.Parse("store-race"), "j1", default))!.ClaimMessageId);
    }

    [Fact]
    public async Task DeleteAllAsync_ManyJobs_RemovesOnlyThatOrgs()
    {
        var store = Store();
        for (var i = 0; i < 130; i++)
        {
            await store.CreateAsync(NewJob("store-gone", $"j{i}"), default);
        }

        await store.CreateAsync(NewJob("store-kept", "j1"), default);

        await store.DeleteAllAsync(OrgId.Parse("store-gone"), default);
        await store.DeleteAllAsync(OrgId.Parse("store-gone"), default);

        Assert.Null(await store.GetAsync(OrgId.Parse("store-gone"), "j5", default));
        Assert.Null(await store.GetAsync(OrgId.Parse("store-gone"), "j129", default));
        Assert.NotNull(await store.GetAsync(OrgId.Parse("store-kept"), "j1", default));
    }
}
