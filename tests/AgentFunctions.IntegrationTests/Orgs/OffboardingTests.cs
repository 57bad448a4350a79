using AgentFunctions.Agents;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Usage;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

public sealed class OffboardingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly OrgDefinition Definition = new("Org", "Prompt", new OrgModelSettings("m"), new OrgQuotas(100, 1000), true);

    [Fact]
    public async Task RunAsync_TwoOrgs_RemovesAllOfOneAndLeavesTheOtherByteForByte()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        var gone = OrgId.Parse("off-gone");
        var kept = OrgId.Parse("off-kept");
        await SeedAsync(services, gone);
        await SeedAsync(services, kept);
        var before = await OrgServices.SnapshotAsync(azurite, row => Belongs(row, kept));
        var offboarding = services.GetRequiredService<OrgOffboarding>();

        var started = await offboarding.StartAsync(gone, default);
        var queued = (await new QueueServiceClient(azurite.ConnectionString).GetQueueClient(OrgOffboarding.QueueName).PeekMessagesAsync(32)).Value;
        Assert.Contains(queued, m => OrgOffboarding.TryParseMessage(m.MessageText, out var target, out var phase) && target == gone && phase == OrgOffboarding.SweepPhase);
        await RunBothPhasesAsync(offboarding, gone);

        Assert.Equal(OrgStatus.Deleting, started!.Status);
        Assert.Equal(before, await OrgServices.SnapshotAsync(azurite, row => Belongs(row, kept)));
        var leftovers = await OrgServices.SnapshotAsync(azurite, row => Belongs(row, gone));
        Assert.All(leftovers, table => Assert.Empty(table.Value));
        Assert.Contains(before, t => t.Key == TableUsageStore.TableName && t.Value.Count == 3 && t.Value.Any(r => r.Contains("TraceId=t", StringComparison.Ordinal)));
        Assert.Contains(before, t => t.Key == Audit.TableAuditTrail.TableName && t.Value.Count == 1);
    }

    [Fact]
    public async Task PutAsync_AfterOffboarding_OrgStartsEmpty()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        var orgId = OrgId.Parse("off-again");
        var oldKey = await SeedAsync(services, orgId);
        var offboarding = services.GetRequiredService<OrgOffboarding>();
        await offboarding.StartAsync(orgId, default);
        await RunBothPhasesAsync(offboarding, orgId);

        var again = await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Definition, default);

        Assert.Equal(1, again.Version);
        Assert.Null(await services.GetRequiredService<IApiKeyStore>().VerifyAsync(oldKey, default));
        Assert.Empty(await services.GetRequiredService<TableUsageStore>().ListAsync(orgId, DateOnly.MinValue, DateOnly.MaxValue, default));
        Assert.Empty((await services.GetRequiredService<Audit.IAuditTrail>().ReadAsync(orgId, 10, null, default)).Events);
    }

    [Fact]
    public async Task RunAsync_InterruptedByFailingArea_ResumesOnRedeliveryAndFinishes()
    {
        var flaky = new FailsOnceOwner();
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        var orgId = OrgId.Parse("off-resume");
        await SeedAsync(services, orgId);
        var offboarding = new OrgOffboarding(
            services.GetRequiredService<IOrgRegistry>(),
            [.. services.GetServices<IOrgDataOwner>().Take(1), flaky, .. services.GetServices<IOrgDataOwner>().Skip(1)],
            services.GetRequiredService<AgentFunctions.Storage.QueueProvider>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OrgsOptions>>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<OrgOffboarding>.Instance);
        await offboarding.StartAsync(orgId, default);

        await Assert.ThrowsAsync<InvalidOperationException>(() => offboarding.RunAsync(orgId, OrgOffboarding.SweepPhase, default));
        var midway = await services.GetRequiredService<IOrgRegistry>().GetAsync(orgId, default);
        await RunBothPhasesAsync(offboarding, orgId);

        Assert.Equal(OrgStatus.Deleting, midway!.Status);
        Assert.Null(await services.GetRequiredService<IOrgRegistry>().GetAsync(orgId, default));
        Assert.All(await OrgServices.SnapshotAsync(azurite, row => Belongs(row, orgId)), table => Assert.Empty(table.Value));
        Assert.Equal(3, flaky.Calls);
    }

    [Fact]
    public async Task StartAsync_UnregisteredOrg_ReturnsNullAndQueuesNothing()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));

        Assert.Null(await services.GetRequiredService<OrgOffboarding>().StartAsync(OrgId.Parse("off-never"), default));
    }

    [Fact]
    public async Task RunAsync_WriteLandsAfterSweep_RemovedByFinalPhaseBeforeRowGoes()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"), ("Orgs:InFlightSeconds", "2"));
        var orgId = OrgId.Parse("off-inflight");
        await SeedAsync(services, orgId);
        var offboarding = services.GetRequiredService<OrgOffboarding>();
        var registry = services.GetRequiredService<IOrgRegistry>();
        await offboarding.StartAsync(orgId, default);
        await offboarding.RunAsync(orgId, OrgOffboarding.SweepPhase, default);
        var final = await ReceiveFinalMessageAsync(orgId, TimeSpan.FromSeconds(2));

        // Invocations admitted before the org was marked finish now: one records its usage, an admin call issues a key.
        await services.GetRequiredService<IUsageMeter>().RecordAsync(orgId, UsageEntry.Chat("default", new AgentUsage(11, 13)), default);
        var lateKey = await services.GetRequiredService<IApiKeyStore>().CreateAsync(orgId, default);
        var afterSweep = await OrgServices.SnapshotAsync(azurite, row => Belongs(row, orgId));
        var reRegistration = await Assert.ThrowsAsync<ApiException>(() => registry.PutAsync(orgId, Definition, default));
        await offboarding.RunAsync(final.OrgId, final.Phase, default);

        Assert.Contains(afterSweep, t => t.Key == TableUsageStore.TableName && t.Value.Count == 2);
        Assert.Contains(afterSweep, t => t.Key == TableOrgRegistry.TableName && t.Value.Count == 1);
        Assert.Equal(409, reRegistration.Status);
        Assert.All(await OrgServices.SnapshotAsync(azurite, row => Belongs(row, orgId)), table => Assert.Empty(table.Value));
        Assert.Null(await services.GetRequiredService<IApiKeyStore>().VerifyAsync(lateKey.ApiKey, default));
    }

    [Fact]
    public async Task RunAsync_FinalPhaseOfOrgNoLongerDeleting_DoesNothing()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        var orgId = OrgId.Parse("off-final-stale");
        var key = await SeedAsync(services, orgId);

        await services.GetRequiredService<OrgOffboarding>().RunAsync(orgId, OrgOffboarding.FinalPhase, default);

        Assert.NotNull(await services.GetRequiredService<IApiKeyStore>().VerifyAsync(key, default));
        Assert.NotNull(await services.GetRequiredService<IOrgRegistry>().GetAsync(orgId, default));
    }

    [Theory]
    [InlineData("{\"orgId\":\"org-a\"}", true, OrgOffboarding.SweepPhase)]
    [InlineData("{\"orgId\":\"org-a\",\"phase\":\"final\"}", true, OrgOffboarding.FinalPhase)]
    [InlineData("{\"orgId\":\"org-a\",\"phase\":\"later\"}", false, OrgOffboarding.SweepPhase)]
    [InlineData("{\"orgId\":\"Org-A\"}", false, OrgOffboarding.SweepPhase)]
    [InlineData("not json", false, OrgOffboarding.SweepPhase)]
    public void TryParseMessage_Variants_OrgAndPhase(string message, bool valid, string expectedPhase)
    {
        var parsed = OrgOffboarding.TryParseMessage(message, out _, out var phase);

        Assert.Equal(valid, parsed);
        Assert.Equal(expectedPhase, valid ? phase : OrgOffboarding.SweepPhase);
    }

    private static async Task RunBothPhasesAsync(OrgOffboarding offboarding, OrgId orgId)
    {
        await offboarding.RunAsync(orgId, OrgOffboarding.SweepPhase, default);
        await offboarding.RunAsync(orgId, OrgOffboarding.FinalPhase, default);
    }

    /// <summary>
    /// The final-phase message for the org: not visible before <paramref name="inFlight"/> has passed, then received
    /// (and deleted, so it is not left for another test).
    /// </summary>
    private async Task<(OrgId OrgId, string Phase)> ReceiveFinalMessageAsync(OrgId orgId, TimeSpan inFlight)
    {
        var queue = new QueueServiceClient(azurite.ConnectionString).GetQueueClient(OrgOffboarding.QueueName);
        var queuedAt = DateTimeOffset.UtcNow;
        while (true)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value)
            {
                if (OrgOffboarding.TryParseMessage(message.MessageText, out var target, out var phase) && target == orgId && phase == OrgOffboarding.FinalPhase)
                {
                    Assert.True(DateTimeOffset.UtcNow - queuedAt >= inFlight - TimeSpan.FromMilliseconds(500), "the final phase became visible before the in-flight bound");
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    return (target, phase);
                }

                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }

            Assert.True(DateTimeOffset.UtcNow - queuedAt < inFlight + TimeSpan.FromSeconds(20), "the final phase was never queued");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Registers the org and gives it a key, usage (a slot row and a detail row), a request window, an access row (table
    /// Usage) and a folded refusal (table Audit); returns the key.
    /// </summary>
    private static async Task<string> SeedAsync(IServiceProvider services, OrgId orgId)
    {
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Definition, default);
        var key = await services.GetRequiredService<IApiKeyStore>().CreateAsync(orgId, default);
        await services.GetRequiredService<IUsageMeter>().RecordAsync(orgId, UsageEntry.Chat("default", new AgentUsage(5, 7)), default);
        await services.GetRequiredService<IRequestRateLimiter>().TryAcquireAsync(orgId, 100, default);
        await services.GetRequiredService<IOrgAccessAuditor>().RecordAsync(new OrgAccessRecord(orgId, "key:k", "GetAudit", "GET /api/audit", AccessOutcome.Allowed, "t"), default);
        await services.GetRequiredService<IOrgAccessAuditor>().RecordAsync(
            new OrgAccessRecord(orgId, AuditPrincipals.ForeignCredential, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "f", "forbidden") { FoldBy = "key:other" }, default);
        await services.GetRequiredService<Audit.TableAuditTrail>().WaitForFoldsAsync();
        return key.ApiKey;
    }

    private static bool Belongs(TableEntity row, OrgId orgId) =>
        row.PartitionKey == orgId.Value || (row.PartitionKey == "orgs" && row.RowKey == orgId.Value);

    private sealed class FailsOnceOwner : IOrgDataOwner
    {
        public int Calls { get; private set; }

        public string Area => "flaky";

        public Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken) =>
            ++Calls == 1 ? throw new InvalidOperationException("interrupted") : Task.CompletedTask;
    }
}
