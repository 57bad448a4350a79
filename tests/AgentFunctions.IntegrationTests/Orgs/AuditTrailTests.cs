using AgentFunctions.Audit;
using AgentFunctions.Errors;
using AgentFunctions.Middleware;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Testing.Functions;
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
        var events = await services.GetRequiredService<IAuditTrail>().ReadAsync(own, 3, default);

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
        Assert.Empty(await trail.ReadAsync(unknown, 10, default));
        Assert.Empty(await trail.ReadAsync(deleting, 10, default));
    }

    [Fact]
    public async Task RecordAsync_UnidentifiedCallerOfRegisteredOrg_NoRegistryLookupAndNoRow()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("audit-unidentified");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);
        var registry = new CountingRegistry(services.GetRequiredService<IOrgRegistry>());
        var auditor = new TableAuditTrail(
            services.GetRequiredService<TableProvider>(), registry, services.GetRequiredService<LoggingOrgAccessAuditor>(), TimeProvider.System, NullLogger<TableAuditTrail>.Instance);

        await auditor.RecordAsync(new OrgAccessRecord(orgId, AuditPrincipals.Unauthenticated, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t1", "unauthorized") { CallerIdentified = false }, default);
        await auditor.RecordAsync(new OrgAccessRecord(OrgId.Parse("audit-made-up"), AuditPrincipals.Unauthenticated, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t2", "unauthorized") { CallerIdentified = false }, default);

        Assert.Equal(0, registry.Lookups);
        Assert.Empty(await auditor.ReadAsync(orgId, 10, default));
    }

    [Fact]
    public async Task RecordAsync_IdentifiedForeignCredential_RowWithFixedPrincipal()
    {
        using var services = OrgServices.Create(azurite);
        var orgId = OrgId.Parse("audit-foreign");
        await services.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Registered, default);

        await services.GetRequiredService<IOrgAccessAuditor>().RecordAsync(
            new OrgAccessRecord(orgId, AuditPrincipals.ForeignCredential, "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t1", "forbidden"), default);

        var audited = Assert.Single(await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 10, default));
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
        Assert.Empty(await services.GetRequiredService<IAuditTrail>().ReadAsync(orgId, 10, default));
    }

    /// <summary>The real registry, counting how often the auditor asks it.</summary>
    private sealed class CountingRegistry(IOrgRegistry inner) : IOrgRegistry
    {
        public int Lookups { get; private set; }

        public ValueTask<OrgRecord?> FindAsync(OrgId orgId, CancellationToken cancellationToken)
        {
            Lookups++;
            return inner.FindAsync(orgId, cancellationToken);
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
