using System.ComponentModel.DataAnnotations;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Middleware;
using AgentFunctions.Secrets;
using AgentFunctions.Tests.Middleware;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Secrets;

/// <summary>
/// When App Service cannot resolve <c>@Microsoft.KeyVault(SecretUri=…)</c> the app receives that text. It is long and
/// guessable, so no secret setting may ever accept it as a key.
/// </summary>
public sealed class UnresolvedKeyVaultReferenceTests
{
    private const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv-abc123.vault.azure.net/secrets/admin-api-key)";

    [Fact]
    public void AdminGuard_AdminKeyIsAnUnresolvedReference_RefusesTheReferenceTextWith403()
    {
        var guard = new AdminGuard(Options.Create(new AdminOptions { AdminApiKey = Reference }), new RecordingAuditor());

        var refused = Assert.Throws<ApiException>(() => guard.Check(Reference));

        Assert.Equal((403, ErrorCodes.Forbidden), (refused.Status, refused.Code));
        Assert.Contains("Key Vault reference", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdminGuard_AdminKeyResolved_AcceptsIt()
    {
        const string key = "a-resolved-admin-key-of-at-least-32-characters";
        var guard = new AdminGuard(Options.Create(new AdminOptions { AdminApiKey = key }), new RecordingAuditor());

        guard.Check(key);
    }

    [Fact]
    public void AdminOptions_UnresolvedReference_DoesNotFailStartAndIsNotUsable()
    {
        var options = new AdminOptions { AdminApiKey = "  " + Reference };

        var errors = options.Validate(new ValidationContext(options)).ToList();

        Assert.Empty(errors);
        Assert.Null(options.UsableKey);
        Assert.True(options.IsUnresolvedKeyVaultReference);
    }

    [Theory]
    [InlineData(Reference, null)]
    [InlineData("@microsoft.keyvault(VaultName=kv;SecretName=s)", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("a-real-key", "a-real-key")]
    [InlineData("key-mentioning-@Microsoft.KeyVault(-inside", "key-mentioning-@Microsoft.KeyVault(-inside")]
    public void Usable_Value_IsNullForUnsetOrUnresolved(string? value, string? expected)
    {
        Assert.Equal(expected, KeyVaultReference.Usable(value));
    }

    [Fact]
    public async Task OrgSecrets_AppSettingIsAnUnresolvedReference_RefusesNamingTheSettingNotTheValue()
    {
        var secrets = OrgSecretsFrom(("ORGKEY_ACME", Reference));

        var refused = await Assert.ThrowsAsync<SecretUnavailableException>(() => secrets.GetAsync("ORGKEY_ACME", CancellationToken.None));

        Assert.Contains("ORGKEY_ACME", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("vault.azure.net", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrgSecrets_NoVault_ReadsTheAppSettingAndNamesAMissingOne()
    {
        var secrets = OrgSecretsFrom(("ORGKEY_ACME", "acme-key"));

        var value = await secrets.GetAsync("ORGKEY_ACME", CancellationToken.None);
        var missing = await Assert.ThrowsAsync<SecretUnavailableException>(() => secrets.GetAsync("ORGKEY_OTHER", CancellationToken.None));

        Assert.Equal("acme-key", value);
        Assert.Contains("ORGKEY_OTHER", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnresolvedSecretSettings_Configuration_NamesEveryUnresolvedSettingButNoValue()
    {
        var unresolved = new UnresolvedSecretSettings(Configuration(("ADMIN_API_KEY", Reference), ("AzureOpenAI:ApiKey", Reference), ("AzureOpenAI:Endpoint", "https://x.openai.azure.com/")));

        Assert.Equal(["ADMIN_API_KEY", "AzureOpenAI__ApiKey"], unresolved.Names);
        Assert.True(unresolved.Contains("ADMIN_API_KEY"));
    }

    private static OrgSecrets OrgSecretsFrom(params (string Key, string Value)[] settings) =>
        new(Options.Create(new SecretsOptions()), Configuration(settings), vault: null, TimeProvider.System, NullLogger<OrgSecrets>.Instance);

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
