using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

public sealed class OrgRegistryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static OrgDefinition Definition(string name, bool enabled = true, string? prompt = null) =>
        new(name, prompt, new OrgModelSettings("gpt-test", 0.3f, 100), new OrgQuotas(10, 1000), enabled);

    [Fact]
    public async Task PutAsync_NewThenChanged_StoresSettingsKeepsCreatedAtAndBumpsVersion()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        var orgId = OrgId.Parse("reg-put");

        var created = await registry.PutAsync(orgId, Definition("First", prompt: "P1"), default);
        var changed = await registry.PutAsync(orgId, Definition("Second", prompt: "P2"), default);
        var read = await registry.GetAsync(orgId, default);

        Assert.Equal(1, created.Version);
        Assert.Equal(2, changed.Version);
        Assert.Equal(created.CreatedAt, read!.CreatedAt);
        Assert.Equal("Second", read.Definition.DisplayName);
        Assert.Equal("P2", read.Definition.SystemPrompt);
        Assert.Equal(new OrgModelSettings("gpt-test", 0.3f, 100), read.Definition.Model);
        Assert.Equal(new OrgQuotas(10, 1000), read.Definition.Quotas);
        Assert.True(read.Registered);
    }

    [Fact]
    public async Task FindAsync_ManyUnregisteredIds_DoNotEvictACachedOrg()
    {
        using var instance1 = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "300"));
        using var instance2 = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "300"));
        var cached = instance1.GetRequiredService<IOrgRegistry>();
        var orgId = OrgId.Parse("reg-evict");
        await cached.PutAsync(orgId, Definition("Before"), default);
        Assert.Equal("Before", (await cached.FindAsync(orgId, default))!.Definition.DisplayName);
        await instance2.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Definition("After"), default);

        // More made-up ids than the whole cache holds: each is a registry miss that is remembered.
        var ids = Enumerable.Range(0, TableOrgRegistry.MaxCachedOrgs + 1).Select(i => OrgId.Parse($"made-up-{i}")).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) => Assert.Null(await cached.FindAsync(id, ct)));

        // Still the cached entry (not re-read from storage, which says "After"): the org was not evicted.
        Assert.Equal("Before", (await cached.FindAsync(orgId, default))!.Definition.DisplayName);
    }

    [Fact]
    public async Task FindAsync_ChangedOnAnotherInstance_ServesCachedValueUntilOwnChange()
    {
        using var instance1 = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "300"));
        using var instance2 = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "300"));
        var one = instance1.GetRequiredService<IOrgRegistry>();
        var two = instance2.GetRequiredService<IOrgRegistry>();
        var orgId = OrgId.Parse("reg-cache");
        await one.PutAsync(orgId, Definition("Enabled"), default);
        Assert.Equal(OrgStatus.Active, (await two.FindAsync(orgId, default))!.Status);

        await one.PutAsync(orgId, Definition("Disabled", enabled: false), default);
        var staleOnTwo = await two.FindAsync(orgId, default);
        var freshOnOne = await one.FindAsync(orgId, default);

        Assert.Equal(OrgStatus.Active, staleOnTwo!.Status);
        Assert.Equal(OrgStatus.Disabled, freshOnOne!.Status);
    }

    [Fact]
    public async Task FindAsync_CacheOff_SeesOtherInstancesChangeAtOnce()
    {
        using var instance1 = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        using var instance2 = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "0"));
        var orgId = OrgId.Parse("reg-nocache");
        await instance1.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Definition("On"), default);
        await instance2.GetRequiredService<IOrgRegistry>().FindAsync(orgId, default);

        await instance1.GetRequiredService<IOrgRegistry>().PutAsync(orgId, Definition("Off", enabled: false), default);

        Assert.Equal(OrgStatus.Disabled, (await instance2.GetRequiredService<IOrgRegistry>().FindAsync(orgId, default))!.Status);
    }

    [Fact]
    public async Task FindAsync_DefaultOrgNotRegistered_ExistsImplicitly()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();

        var org = await registry.FindAsync(OrgId.Parse("default"), default);
        var missing = await registry.FindAsync(OrgId.Parse("never-registered"), default);

        Assert.Equal(OrgStatus.Active, org!.Status);
        Assert.False(org.Registered);
        Assert.Null(missing);
    }

    [Fact]
    public async Task MarkDeletingAsync_ThenPut_Refused409UntilRemoved()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        var orgId = OrgId.Parse("reg-deleting");
        await registry.PutAsync(orgId, Definition("Going"), default);

        var deleting = await registry.MarkDeletingAsync(orgId, default);
        var error = await Assert.ThrowsAsync<ApiException>(() => registry.PutAsync(orgId, Definition("Back"), default));
        await registry.RemoveAsync(orgId, default);
        var again = await registry.PutAsync(orgId, Definition("Back"), default);

        Assert.Equal(OrgStatus.Deleting, deleting!.Status);
        Assert.Equal(409, error.Status);
        Assert.Equal(1, again.Version);
        Assert.Null(await registry.MarkDeletingAsync(OrgId.Parse("reg-unknown"), default));
    }

    [Fact]
    public async Task PutAsync_ConcurrentWriters_EveryWriteCountedInVersion()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        var orgId = OrgId.Parse("reg-concurrent");

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => registry.PutAsync(orgId, Definition($"W{i}"), default)));

        Assert.Equal(6, (await registry.GetAsync(orgId, default))!.Version);
    }

    [Fact]
    public async Task ListAsync_Registered_IncludesThemAndTheImplicitDefault()
    {
        using var services = OrgServices.Create(azurite);
        var registry = services.GetRequiredService<IOrgRegistry>();
        await registry.PutAsync(OrgId.Parse("reg-list"), Definition("Listed"), default);

        var orgs = await registry.ListAsync(default);

        Assert.Contains(orgs, o => o.OrgId.Value == "reg-list" && o.Registered);
        Assert.Contains(orgs, o => o.OrgId.Value == "default");
    }
}
