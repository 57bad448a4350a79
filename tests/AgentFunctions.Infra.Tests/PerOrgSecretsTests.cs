using System.Text.Json.Nodes;

namespace AgentFunctions.Infra.Tests;

/// <summary>
/// The appsettings resource replaces every app setting on each provision, so per-org secrets (model endpoint keys)
/// cannot live in hand-added settings: they live in the template's Key Vault, which the app reads by name.
/// </summary>
[Collection(CompiledTemplateGroup.Name)]
public sealed class PerOrgSecretsTests(CompiledTemplate template)
{
    [Fact]
    public void AppSettings_SecretsKeyVaultUri_IsTheVaultTheTemplateCreates()
    {
        var functionApp = template.Module("functionapp")["properties"]!["parameters"]!;

        Assert.Equal("[parameters('keyVaultUri')]", (string?)template.AppSettings()["Secrets__KeyVaultUri"]);
        Assert.Matches(@"'Microsoft\.Resources/deployments', 'keyvault'\), '[0-9-]+'\)\.outputs\.uri\.value\]$", (string)functionApp["keyVaultUri"]!["value"]!);
        Assert.Equal("[reference(resourceId('Microsoft.KeyVault/vaults', parameters('name')), '2024-11-01').vaultUri]", (string?)KeyVaultOutputs()["uri"]?["value"]);
    }

    [Fact]
    public void AppSettings_Template_WritesNoPerOrgSecretSetting()
    {
        Assert.DoesNotContain(template.AppSettings(), s => s.Key.StartsWith("ORGKEY_", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void KeyVault_Template_WritesOnlyTheAdminKeySoHandAddedSecretsSurviveReprovisioning()
    {
        var secrets = template.Resources("Microsoft.KeyVault/vaults/secrets").ToList();

        var secret = Assert.Single(secrets);
        Assert.Contains("adminApiKeySecretName", (string)secret["name"]!, StringComparison.Ordinal);
        Assert.Equal("admin-api-key", (string?)template.Module("keyvault")["properties"]!["parameters"]!["adminApiKeySecretName"]!["value"]);
    }

    private JsonObject KeyVaultOutputs() => CompiledTemplate.TemplateOf(template.Module("keyvault"))["outputs"]!.AsObject();
}
