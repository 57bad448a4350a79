using AgentFunctions.Audit;
using AgentFunctions.Errors;
using AgentFunctions.Middleware;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Testing.Functions;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.IntegrationTests.Orgs;

public sealed class AuditTrailTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly OrgDefinition Registered = new("Audited", null, new OrgModelSettings(), new OrgQuotas(), true);

    [Fact]
    public async Task ReadAsync_SeveralEvents_NewestFirstAndOnlyThisOrgs()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        var own = OrgId.Parse("audit-own");
        var other = OrgId.Parse("audit-other");
        await registry.PutAsync(own, Registered, default);
        await registry.PutAsync(other, Registered, default);
        var auditor = services.GetRequiredService<IOrgAccessAuditor>();

        for (var i = 0; i < 5; i++)
        {
            await auditor.RecordAsync(new OrgAccessRecord(own, $"key:{i}", "GetAudit", "GET /api/audit", i % 2 == 0 ? AccessOutcome.Allowed : AccessOutcome.Denied, $"trace{i}", i % 2 == 0 ? null : "forbidden"), default);
            await Task.Delay(2);
        }

        await auditor.RecordAsync(new OrgAccessRecord(other, "key:x", "GetAudit", "GET /api/audit", AccessOutcome.Allowed, "other"), default);
        var events = (await services.GetRequiredService<IAuditTrail>().ReadAsync(own, 3, null, default)).Events;

        Assert.Equal(["trace4", "trace3", "trace2"], events.Select(e => e.TraceId));
        Assert.All(events, e => Assert.Equal("audit-own", e.OrgId));
        Assert.Equal((AccessOutcome.Denied, "forbidden", "key:3"), (events[1].Outcome, events[1].Reason, events[1].Principal));
    }

    [Fact]
    public async Task RecordAsync_UnregisteredOrDeletingOrg_WritesNoRow()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        var deleting = OrgId.Parse("audit-deleting");
        var unknown = OrgId.Parse("audit-unknown");
        await registry.PutAsync(deleting, Registered, default);
        await registry.MarkDeletingAsync(deleting, default);
        var auditor = services.GetRequiredService<IOrgAccessAuditor>();

        await auditor.RecordAsync(new OrgAccessRecord(unknown, AuditPrincipals.ForeignCredential, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t1", "forbidden"), default);
        await auditor.RecordAsync(new OrgAccessRecord(deleting, "key:k1", "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t2", "org_disabled"), default);

        var trail = services.GetRequiredService<IAuditTrail>();
        Assert.Empty((await trail.ReadAsync(unknown, 10, null, default)).Events);
        Assert.Empty((await trail.ReadAsync(deleting, 10, null, default)).Events);
    }

    [Fact]
    public async Task RecordAsync_UnidentifiedCallerOfRegisteredOrg_NoRegistryLookupAndNoRow()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("audit-unidentified");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var registry = new CountingRegistry(services.GetRequiredService<IOrgRegistry>());
        var auditor = new TableAuditTrail(
            services.GetRequiredService<TableProvider>(), services.GetRequiredService<TableUsageStore>(), registry, services.GetRequiredService<LoggingOrgAccessAuditor>(), TimeProvider.System, NullLogger<TableAuditTrail>.Instance);

        await auditor.RecordAsync(new OrgAccessRecord(orgId, AuditPrincipals.Unauthenticated, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t1", "unauthorized") { CallerIdentified = false }, default);
        await auditor.RecordAsync(new OrgAccessRecord(OrgId.Parse("audit-made-up"), AuditPrincipals.Unauthenticated, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t2", "unauthorized") { CallerIdentified = false }, default);

        Assert.Equal(0, registry.Lookups);
        Assert.Empty((await auditor.ReadAsync(orgId, 10, null, default)).Events);
    }

    [Fact]
    public async Task RecordAsync_IdentifiedForeignCredential_RowWithFixedPrincipal()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("audit-foreign");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);

        await services.GetRequiredService<IOrgAccessAuditor>().RecordAsync(
            new OrgAccessRecord(orgId, AuditPrincipals.ForeignCredential, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t1", "forbidden"), default);

        var audited = Assert.Single((await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 10, null, default)).Events);
        Assert.Equal((AuditPrincipals.ForeignCredential, AccessOutcome.Denied, "forbidden"), (audited.Principal, audited.Outcome, audited.Reason));
    }

    [Fact]
    public async Task EnsureAdminAsync_WrongAdminKeyForRegisteredOrg_RefusedAndNoRow()
    {
        using var services = OrgServices.Create(azurite, ("ADMIN_API_KEY", "audit-admin-key-0123456789abcdefghijkl"));
        var orgId = OrgId.Parse("audit-admin-refused");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Path = $"/api/admin/orgs/{orgId.Value}";
        http.Request.Headers[AdminGuard.Header] = "not-the-admin-key";
        var guard = services.GetRequiredService<AdminGuard>();

        var refused = await Assert.ThrowsAsync<ApiException>(() => guard.EnsureAdminAsync(new TestFunctionContext("AgentFunctions.Functions.OrgAdminFunctions.GetOrg"), http.Request, orgId, default));

        Assert.Equal(401, refused.Status);
        Assert.Empty((await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 10, null, default)).Events);
    }

    [Fact]
    public async Task RecordAsync_ForeignCredentialRefusedRepeatedly_OneRowPerCredentialAndMinuteWithCount()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("audit-flooded");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var trail = Trail(services, services.GetRequiredService<IOrgRegistry>(), new FixedTime(new DateTimeOffset(2026, 1, 2, 3, 4, 30, TimeSpan.Zero)));
        for (var i = 0; i < 3; i++)
        {
            await trail.RecordAsync(new OrgAccessRecord(orgId, $"key:own{i}", "GetAudit", "GET /api/audit", AccessOutcome.Allowed, $"own{i}"), default);
        }

        // 300 refusals of one foreign key and 20 of another, from many requests at once.
        await Parallel.ForEachAsync(Enumerable.Range(0, 320), async (i, ct) => await trail.RecordAsync(
            new OrgAccessRecord(orgId, AuditPrincipals.ForeignCredential, "ListConversations", "GET /api/conversations", AccessOutcome.Denied, $"t{i}", "forbidden")
            {
                FoldBy = i < 300 ? "key:intruder1" : "key:intruder2",
            }, ct));
        await trail.WaitForFoldsAsync();

        var events = (await trail.ReadAsync(orgId, 10, null, default)).Events;
        var folded = events.Where(e => e.Reason == "forbidden").ToList();
        Assert.Equal([20L, 300L], folded.Select(e => e.Count ?? 0).Order());
        Assert.All(folded, e => Assert.Equal(AuditPrincipals.ForeignCredential, e.Principal));
        Assert.Equal(["own0", "own1", "own2"], events.Where(e => e.Outcome == AccessOutcome.Allowed).Select(e => e.TraceId).Order());
        Assert.Equal(5, events.Count);
    }

    [Fact]
    public async Task RecordAsync_ForeignCredential_ReturnsWithoutWaitingForRegistryOrStorage()
    {
        using var services = OrgServices.Create(azurite);
        var existing = OrgId.Parse("audit-timing");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(existing, Registered, default);
        var blocked = new CountingRegistry(services.GetRequiredService<IOrgRegistry>()) { Gate = new TaskCompletionSource() };
        var trail = Trail(services, blocked, TimeProvider.System);

        // Whether the org exists or not, recording a foreign refusal completes while the registry cannot answer.
        foreach (var orgId in new[] { existing, OrgId.Parse("audit-timing-made-up") })
        {
            var record = trail.RecordAsync(
                new OrgAccessRecord(orgId, AuditPrincipals.ForeignCredential, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t", "forbidden") { FoldBy = "key:x" }, default);
            Assert.True(record.IsCompleted, $"the refusal of {orgId.Value} waited for the registry");
        }

        blocked.Gate.SetResult();
        await trail.WaitForFoldsAsync();
        Assert.Equal(1, Assert.Single((await trail.ReadAsync(existing, 10, null, default)).Events).Count);
        Assert.Empty((await trail.ReadAsync(OrgId.Parse("audit-timing-made-up"), 10, null, default)).Events);
    }

    [Fact]
    public async Task ReadAsync_Cursor_PagesThroughEveryEventOnceNewestFirst()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("audit-paged");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var trail = services.GetRequiredService<TableAuditTrail>();
        for (var i = 0; i < 7; i++)
        {
            await trail.RecordAsync(new OrgAccessRecord(orgId, "key:k", "GetAudit", "GET /api/audit", AccessOutcome.Allowed, $"e{i}"), default);
            await Task.Delay(2);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await trail.ReadAsync(orgId, 3, cursor, default);
            Assert.True(page.Events.Count <= 3);
            seen.AddRange(page.Events.Select(e => e.TraceId));
            cursor = page.Cursor;
        }
        while (cursor is not null);

        Assert.Equal(["e6", "e5", "e4", "e3", "e2", "e1", "e0"], seen);
    }

    [Fact]
    public async Task ReadAsync_RowsStoredInTheAuditTableBeforeTheMove_MergedWithAccessRowsByTimeAcrossPages()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        var orgId = OrgId.Parse("audit-merged");
        var other = OrgId.Parse("audit-merged-other");
        await registry.PutAsync(orgId, Registered, default);
        await registry.PutAsync(other, Registered, default);
        var start = new DateTimeOffset(2026, 3, 4, 5, 6, 0, TimeSpan.Zero);
        var legacy = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString).GetTableClient(TableAuditTrail.TableName);
        await legacy.CreateIfNotExistsAsync();

        // Minutes 1, 3 and 5: rows as stored in table Audit before access rows moved; 2, 4 and 6: access rows recorded now.
        for (var minute = 1; minute <= 6; minute++)
        {
            var at = start.AddMinutes(minute);
            if (minute % 2 == 1)
            {
                await legacy.AddEntityAsync(new Azure.Data.Tables.TableEntity(orgId.Value, $"{DateTime.MaxValue.Ticks - at.UtcTicks:D19}-0000000{minute}")
                {
                    ["At"] = at, ["Principal"] = "key:old", ["Action"] = "GET /api/audit", ["Function"] = "GetAudit", ["Outcome"] = "Allowed", ["TraceId"] = $"m{minute}",
                });
            }
            else
            {
                await Trail(services, registry, new FixedTime(at)).RecordAsync(new OrgAccessRecord(orgId, "key:new", "GetAudit", "GET /api/audit", AccessOutcome.Allowed, $"m{minute}"), default);
                await Trail(services, registry, new FixedTime(at)).RecordAsync(new OrgAccessRecord(other, "key:x", "GetAudit", "GET /api/audit", AccessOutcome.Allowed, $"other{minute}"), default);
            }
        }

        var trail = services.GetRequiredService<IAuditTrail>();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await trail.ReadAsync(orgId, 4, cursor, default);
            seen.AddRange(page.Events.Select(e => e.TraceId));
            cursor = page.Cursor;
        }
        while (cursor is not null);

        Assert.Equal(["m6", "m5", "m4", "m3", "m2", "m1"], seen);
        Assert.Equal(["m6", "m5"], (await trail.ReadAsync(orgId, 2, null, default)).Events.Select(e => e.TraceId));
    }

    [Fact]
    public async Task FlushAsync_InvocationWithUsageAndAnAccessRow_BothWrittenInOneRequest()
    {
        await using var proxy = new StorageProxy(azurite.TablePort);
        using var services = OrgServices.Create(azurite, ("AzureWebJobsStorage", StorageProxy.ConnectionString(azurite, table: proxy)));
        var orgId = OrgId.Parse("audit-one-request");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var usage = services.GetRequiredService<TableUsageStore>();
        var auditor = services.GetRequiredService<IOrgAccessAuditor>();
        var access = new OrgAccessRecord(orgId, "key:k", "RunAgent", "POST /api/agent/run", AccessOutcome.Allowed, "first");
        await auditor.RecordAsync(access, default); // tables exist and the org is cached; below, the counters are read and the rows written once
        await usage.AddAsync(orgId, Agents.UsageEntry.Chat("default", new Agents.AgentUsage(1, 1)), default);
        var held = Assert.Single(services.GetServices<IDeferredWrites>());

        using (held.Defer(orgId))
        {
            Assert.True(await usage.TryAcquireAsync(orgId, 100, default));
            await usage.AddAsync(orgId, Agents.UsageEntry.Chat("default", new Agents.AgentUsage(10, 3)), default);
            await auditor.RecordAsync(access with { TraceId = "held" }, default);
        }

        proxy.Drain();
        await held.FlushAsync(orgId, default);
        var requests = proxy.Drain();

        Assert.Equal("POST", Assert.Single(requests).Request.Split(' ')[0]);
        Assert.Equal(["held", "first"], (await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 10, null, default)).Events.Select(e => e.TraceId));
        Assert.Equal(15, await usage.GetTodayTokensAsync(orgId, default));
    }

    [Fact]
    public async Task FlushAsync_StorageRefusedThenBack_TheRetryWritesTheAccessRowAndTheUsage()
    {
        await using var proxy = new StorageProxy(azurite.TablePort);
        using var services = OrgServices.Create(azurite,
            ("AzureWebJobsStorage", StorageProxy.ConnectionString(azurite, table: proxy)), ("Storage:MaxRetries", "0"), ("Storage:NetworkTimeout", "00:00:02"));
        var orgId = OrgId.Parse("audit-retried");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var usage = services.GetRequiredService<TableUsageStore>();
        var auditor = services.GetRequiredService<IOrgAccessAuditor>();
        var access = new OrgAccessRecord(orgId, "key:k", "RunAgent", "POST /api/agent/run", AccessOutcome.Allowed, "before");
        await auditor.RecordAsync(access, default); // tables exist and the org is cached before the outage
        var held = Assert.Single(services.GetServices<IDeferredWrites>());

        proxy.Mode = StorageProxyMode.Refuse;
        using (held.Defer(orgId))
        {
            await usage.AddAsync(orgId, Agents.UsageEntry.Chat("default", new Agents.AgentUsage(20, 2)), default);
            await auditor.RecordAsync(access with { TraceId = "during" }, default);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => held.FlushAsync(orgId, default));
        proxy.Mode = StorageProxyMode.Forward;
        await held.FlushAllAsync(failedOnly: true, default); // what the background retry does

        Assert.Equal(["during", "before"], (await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 10, null, default)).Events.Select(e => e.TraceId));
        Assert.Equal(22, await usage.GetTodayTokensAsync(orgId, default));
    }

    [Theory]
    [InlineData("not-base64!")]
    [InlineData("eA")]
    [InlineData("MTIzLWFiY2RlZmdo")]
    public async Task ReadAsync_ForgedCursor_400NamingCursor(string cursor)
    {
        using var services = OrgServices.Create(azurite);

        var error = await Assert.ThrowsAsync<ApiException>(() => services.GetRequiredService<IAuditTrail>().ReadAsync(OrgId.Parse("audit-forged"), 10, cursor, default));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.StartsWith("'cursor'", error.Message, StringComparison.Ordinal);
    }

    private static TableAuditTrail Trail(ServiceProvider services, IOrgRegistry registry, TimeProvider time) => new(
        services.GetRequiredService<TableProvider>(), services.GetRequiredService<TableUsageStore>(), registry, services.GetRequiredService<LoggingOrgAccessAuditor>(), time, NullLogger<TableAuditTrail>.Instance);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>The real registry, counting how often the auditor asks it, optionally held until <see cref="Gate"/> opens.</summary>
    private sealed class CountingRegistry(IOrgRegistry inner) : IOrgRegistry
    {
        public int Lookups { get; private set; }

        public TaskCompletionSource? Gate { get; init; }

        public async ValueTask<OrgRecord?> FindAsync(OrgId orgId, CancellationToken cancellationToken)
        {
            Lookups++;
            if (Gate is not null)
            {
                await Gate.Task.WaitAsync(cancellationToken);
            }

            return await inner.FindAsync(orgId, cancellationToken);
        }

        public Task<OrgRecord?> GetAsync(OrgId orgId, CancellationToken cancellationToken)
        {
            Lookups++;
            return inner.GetAsync(orgId, cancellationToken);
        }

        public Task<IReadOnlyList<OrgRecord>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<OrgRecord> PutAsync(OrgId orgId, OrgDefinition definition, CancellationToken cancellationToken) => inner.PutAsync(orgId, definition, cancellationToken);

        public Task<OrgRecord?> MarkDeletingAsync(OrgId orgId, CancellationToken cancellationToken) => inner.MarkDeletingAsync(orgId, cancellationToken);

        public Task RemoveAsync(OrgId orgId, CancellationToken cancellationToken) => inner.RemoveAsync(orgId, cancellationToken);
    }
}
