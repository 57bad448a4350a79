using AgentFunctions.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.IntegrationTests.Secrets;

/// <summary>
/// Per-org secrets through the real Key Vault client against <see cref="KeyVaultTestServer"/>: read by name (each
/// <c>_</c> a <c>-</c>), cached briefly, the app setting as fallback, a refusal never cached.
/// </summary>
public sealed class OrgSecretsTests(KeyVaultTestServer vault) : IClassFixture<KeyVaultTestServer>
{
    [Fact]
    public async Task GetAsync_SecretInVault_ReadsItByItsVaultNameOnceWithinTheCacheTime()
    {
        vault.Secrets["ORGKEY-CACHED"] = "vault-value";
        var secrets = Create(cacheSeconds: 60);

        var first = await secrets.GetAsync("ORGKEY_CACHED", CancellationToken.None);
        var second = await secrets.GetAsync("ORGKEY_CACHED", CancellationToken.None);

        Assert.Equal(("vault-value", "vault-value"), (first, second));
        Assert.Equal(["ORGKEY-CACHED"], vault.Reads.Where(n => n == "ORGKEY-CACHED"));
    }

    [Fact]
    public async Task GetAsync_NoCache_RotatedSecretIsReadAtOnce()
    {
        vault.Secrets["ORGKEY-ROTATED"] = "old";
        var secrets = Create(cacheSeconds: 0);

        var before = await secrets.GetAsync("ORGKEY_ROTATED", CancellationToken.None);
        vault.Secrets["ORGKEY-ROTATED"] = "new";
        var after = await secrets.GetAsync("ORGKEY_ROTATED", CancellationToken.None);

        Assert.Equal(("old", "new"), (before, after));
    }

    [Fact]
    public async Task GetAsync_NotInVault_FallsBackToTheAppSettingAndNamesBothWhenNeitherHasIt()
    {
        var secrets = Create(cacheSeconds: 60, ("ORGKEY_LOCAL", "setting-value"));

        var fromSetting = await secrets.GetAsync("ORGKEY_LOCAL", CancellationToken.None);
        var missing = await Assert.ThrowsAsync<SecretUnavailableException>(() => secrets.GetAsync("ORGKEY_NOWHERE", CancellationToken.None));

        Assert.Equal("setting-value", fromSetting);
        Assert.Contains("ORGKEY-NOWHERE", missing.Message, StringComparison.Ordinal);
        Assert.Contains("ORGKEY_NOWHERE", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_VaultRefusesThenAllows_ThrowsNamingTheRoleAndTheNextCallReadsIt()
    {
        vault.Secrets["ORGKEY-LATE"] = "late-value";
        var secrets = Create(cacheSeconds: 60);

        vault.Refuse(true);
        SecretUnavailableException refused;
        try
        {
            refused = await Assert.ThrowsAsync<SecretUnavailableException>(() => secrets.GetAsync("ORGKEY_LATE", CancellationToken.None));
        }
        finally
        {
            vault.Refuse(false);
        }

        var value = await secrets.GetAsync("ORGKEY_LATE", CancellationToken.None);

        Assert.Contains("Key Vault Secrets User", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("late-value", refused.Message, StringComparison.Ordinal);
        Assert.Equal("late-value", value);
    }

    private OrgSecrets Create(int cacheSeconds, params (string Key, string Value)[] settings) =>
        new(
            Options.Create(new SecretsOptions { KeyVaultUri = vault.VaultUri, CacheSeconds = cacheSeconds }),
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build(),
            vault.CreateClient(),
            TimeProvider.System,
            NullLogger<OrgSecrets>.Instance);
}
