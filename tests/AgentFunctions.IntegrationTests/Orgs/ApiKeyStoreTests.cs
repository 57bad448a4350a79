using AgentFunctions.Auth;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

public sealed class ApiKeyStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateAsync_Key_VerifiesForItsOrgAndStoresOnlyTheHash()
    {
        using var services = OrgServices.Create(azurite);
        var keys = services.GetRequiredService<IApiKeyStore>();
        var orgId = OrgId.Parse("keys-a");

        var issued = await keys.CreateAsync(orgId, default);
        var identity = await keys.VerifyAsync(issued.ApiKey, default);

        Assert.Equal(new ApiKeyIdentity(orgId, issued.KeyId), identity);
        var row = await new TableClient(azurite.ConnectionString, TableApiKeyStore.TableName).GetEntityAsync<TableEntity>(orgId.Value, issued.KeyId);
        var secret = issued.ApiKey.Split('.')[3];
        Assert.All(row.Value.Select(p => p.Value), v => Assert.DoesNotContain(secret, Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparison.Ordinal));
        Assert.Equal(issued.Hash, row.Value.GetBinary("Hash"));
    }

    [Fact]
    public async Task VerifyAsync_WrongSecretOrOtherOrgInKey_ReturnsNull()
    {
        using var services = OrgServices.Create(azurite);
        var keys = services.GetRequiredService<IApiKeyStore>();
        var issued = await keys.CreateAsync(OrgId.Parse("keys-b"), default);
        var parts = issued.ApiKey.Split('.');

        var wrongSecret = await keys.VerifyAsync($"afk.keys-b.{parts[2]}.{new string('A', 43)}", default);
        var movedToOtherOrg = await keys.VerifyAsync($"afk.keys-c.{parts[2]}.{parts[3]}", default);

        Assert.Null(wrongSecret);
        Assert.Null(movedToOtherOrg);
    }

    [Fact]
    public async Task VerifyAsync_UnknownKeyAgainSoon_AnsweredWithoutRowRead()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "30"));
        var keys = services.GetRequiredService<IApiKeyStore>();
        var orgId = OrgId.Parse("keys-missing");
        var planted = ApiKeySecret.Issue(orgId);
        Assert.Null(await keys.VerifyAsync(planted.ApiKey, default));

        // The row appears behind the store's back: a repeated lookup within the negative cache's lifetime is not a read.
        var table = new TableClient(azurite.ConnectionString, TableApiKeyStore.TableName);
        await table.AddEntityAsync(new TableEntity(orgId.Value, planted.KeyId) { ["Hash"] = planted.Hash });

        Assert.Null(await keys.VerifyAsync(planted.ApiKey, default));
        await Task.Delay(TableApiKeyStore.MissingKeyLifetime + TimeSpan.FromSeconds(1));
        Assert.NotNull(await keys.VerifyAsync(planted.ApiKey, default));
    }

    [Fact]
    public async Task RevokeAsync_VerifiedKey_RefusedAtOnceOnThisInstance()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "300"));
        var keys = services.GetRequiredService<IApiKeyStore>();
        var orgId = OrgId.Parse("keys-revoke");
        var issued = await keys.CreateAsync(orgId, default);
        Assert.NotNull(await keys.VerifyAsync(issued.ApiKey, default));

        var revoked = await keys.RevokeAsync(orgId, issued.KeyId, default);
        var again = await keys.RevokeAsync(orgId, issued.KeyId, default);

        Assert.True(revoked);
        Assert.False(again);
        Assert.Null(await keys.VerifyAsync(issued.ApiKey, default));
    }

    [Fact]
    public async Task RevokeAsync_ConcurrentWithVerifications_RevokedKeyNeverStaysCached()
    {
        using var services = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "300"));
        var keys = services.GetRequiredService<IApiKeyStore>();
        var orgId = OrgId.Parse("keys-revoke-race");
        for (var round = 0; round < 20; round++)
        {
            var issued = await keys.CreateAsync(orgId, default);
            Assert.NotNull(await keys.VerifyAsync(issued.ApiKey, default));
            using var revoked = new CancellationTokenSource();

            // Verifiers keep using the key while it is revoked: each miss of the cache reads the row again.
            var verifiers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (!revoked.IsCancellationRequested)
                {
                    await keys.VerifyAsync(issued.ApiKey, default);
                }
            })).ToList();
            await Task.Delay(5);
            Assert.True(await keys.RevokeAsync(orgId, issued.KeyId, default));
            await revoked.CancelAsync();
            await Task.WhenAll(verifiers);

            Assert.Null(await keys.VerifyAsync(issued.ApiKey, default));
        }
    }

    [Fact]
    public async Task VerifyAsync_KeyInUseOnAnotherInstanceWhenRevoked_RefusedThereOnceCacheSecondsPassed()
    {
        using var first = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "1"));
        using var second = OrgServices.Create(azurite, ("Orgs:CacheSeconds", "1"));
        var orgId = OrgId.Parse("keys-revoke-elsewhere");
        var issued = await first.GetRequiredService<IApiKeyStore>().CreateAsync(orgId, default);
        var otherInstance = second.GetRequiredService<IApiKeyStore>();
        Assert.NotNull(await otherInstance.VerifyAsync(issued.ApiKey, default));

        await first.GetRequiredService<IApiKeyStore>().RevokeAsync(orgId, issued.KeyId, default);

        // Used again and again on the other instance: a cache hit must not keep the key alive.
        var refusedAt = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await otherInstance.VerifyAsync(issued.ApiKey, default) is not null)
        {
            Assert.True(DateTime.UtcNow < refusedAt, "the revoked key kept working on the other instance");
            await Task.Delay(100);
        }
    }
}
