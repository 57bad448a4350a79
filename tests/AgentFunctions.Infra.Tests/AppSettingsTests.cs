using System.Text.Json.Nodes;

namespace AgentFunctions.Infra.Tests;

/// <summary>The app settings the template writes are exactly those the settings table of docs/configuration.md says it writes.</summary>
[Collection(CompiledTemplateGroup.Name)]
public sealed class AppSettingsTests(CompiledTemplate template)
{
    private JsonObject AppSettings => template.AppSettings();

    private IReadOnlyDictionary<string, string> Table => ConfigurationTable.Read(template.RepoRoot);

    [Fact]
    public void AppSettings_Template_MatchDocumentedSettingsTable()
    {
        var written = AppSettings.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);

        var documented = ConfigurationTable.WrittenByTemplate(Table);

        Assert.Empty(written.Except(documented)); // written by the template but not documented as such
        Assert.Empty(documented.Except(written)); // documented as written by the template but missing
    }

    [Fact]
    public void AppSettings_Storage_IsIdentityBasedNeverAConnectionString()
    {
        var settings = AppSettings;

        Assert.False(settings.ContainsKey("AzureWebJobsStorage"));
        Assert.Equal("managedidentity", (string?)settings["AzureWebJobsStorage__credential"]);
        Assert.All(
            ["AzureWebJobsStorage__clientId", "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri"],
            name => Assert.True(settings.ContainsKey(name), name));
    }

    [Fact]
    public void AppSettings_AdminApiKey_IsAKeyVaultReference()
    {
        var value = (string)AppSettings["ADMIN_API_KEY"]!;

        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_Names_CarryNoKeyOrPasswordSetting()
    {
        var names = AppSettings.Select(s => s.Key).ToList();

        Assert.DoesNotContain(names, n => n.EndsWith("ApiKey", StringComparison.OrdinalIgnoreCase) || n.EndsWith("__Key", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(names, n => n.Contains("Password", StringComparison.OrdinalIgnoreCase) || n.Contains("AccountKey", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void AppSettings_ApplicationInsights_IngestsWithTheAppIdentity()
    {
        var authentication = (string)AppSettings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]!;

        Assert.Contains("Authorization=AAD;ClientId=", authentication, StringComparison.Ordinal);
        Assert.Contains("identityClientId", authentication, StringComparison.Ordinal);
    }

    [Fact]
    public void AppSettings_FlexConsumption_OmitsSettingsThePlanRejects()
    {
        // Flex Consumption sets these from functionAppConfig and rejects them as app settings.
        string[] rejected = ["FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE"];

        Assert.All(rejected, name => Assert.False(AppSettings.ContainsKey(name), name));
    }
}
