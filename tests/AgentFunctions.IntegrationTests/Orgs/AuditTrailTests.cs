using AgentFunctions.Audit;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;

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

        await auditor.RecordAsync(new OrgAccessRecord(unknown, "unauthenticated", "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t1", "unauthorized"), default);
        await auditor.RecordAsync(new OrgAccessRecord(deleting, "unauthenticated", "GetAudit", "GET /api/audit", AccessOutcome.Denied, "t2", "org_disabled"), default);

        var trail = services.GetRequiredService<IAuditTrail>();
        Assert.Empty(await trail.ReadAsync(unknown, 10, default));
        Assert.Empty(await trail.ReadAsync(deleting, 10, default));
    }
}
