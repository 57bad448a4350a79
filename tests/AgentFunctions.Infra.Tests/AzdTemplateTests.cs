using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentFunctions.Infra.Tests;

[Collection(CompiledTemplateGroup.Name)]
public sealed partial class AzdTemplateTests(CompiledTemplate template)
{
    [Fact]
    public void Main_Scope_IsSubscriptionAndCreatesTheResourceGroup()
    {
        Assert.Contains("subscriptionDeploymentTemplate", (string)template.Json["$schema"]!, StringComparison.Ordinal);
        var group = Assert.Single(template.Resources("Microsoft.Resources/resourceGroups"));
        Assert.Equal("[variables('tags')]", (string?)group["tags"]);
        Assert.Equal("[parameters('environmentName')]", (string?)template.Json["variables"]!["tags"]!["azd-env-name"]);
    }

    [Fact]
    public void Outputs_Main_AreUpperSnakeAndIncludeWhatAzdNeeds()
    {
        var outputs = template.Json["outputs"]!.AsObject().Select(o => o.Key).ToList();

        Assert.All(outputs, name => Assert.Matches(UpperSnake(), name));
        Assert.Contains("AZURE_LOCATION", outputs);
        Assert.Contains("AZURE_TENANT_ID", outputs);
        Assert.Contains("AZURE_RESOURCE_GROUP", outputs);
    }

    [Fact]
    public void FunctionApp_ServiceTag_MatchesTheServiceInAzureYaml()
    {
        var azureYaml = File.ReadAllText(Path.Combine(template.RepoRoot, "azure.yaml"));
        var service = ServiceName().Match(azureYaml).Groups[1].Value;

        var site = Assert.Single(template.Resources("Microsoft.Web/sites"));

        Assert.Contains("host: function", azureYaml, StringComparison.Ordinal);
        Assert.Contains("language: dotnet", azureYaml, StringComparison.Ordinal);
        Assert.Contains($"'azd-service-name', '{service}'", (string)site["tags"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersFile_Values_NameOnlyTemplateParametersAndCoverEveryRequiredOne()
    {
        var file = ParametersFile();
        var parameters = template.Json["parameters"]!.AsObject();
        var required = parameters.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key);

        Assert.All(file.Select(p => p.Key), name => Assert.True(parameters.ContainsKey(name), $"main.parameters.json names unknown parameter {name}"));
        Assert.All(required, name => Assert.True(file.ContainsKey(name), $"required parameter {name} is missing from main.parameters.json"));
    }

    [Fact]
    public void ParametersFile_PrincipalType_ComesFromTheAzdEnvironmentWithUserAsDefault()
    {
        var file = ParametersFile();

        // CI under a service principal sets AZURE_PRINCIPAL_TYPE=ServicePrincipal; a wrong type fails the role assignments.
        Assert.Equal("${AZURE_PRINCIPAL_ID}", (string?)file["principalId"]!["value"]);
        Assert.Equal("${AZURE_PRINCIPAL_TYPE=User}", (string?)file["principalType"]?["value"]);
        Assert.Equal(
            ["Group", "ServicePrincipal", "User"],
            template.Json["parameters"]!["principalType"]!["allowedValues"]!.AsArray().Select(v => (string)v!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("chatModelName", "AZURE_OPENAI_CHAT_MODEL")]
    [InlineData("chatModelVersion", "AZURE_OPENAI_CHAT_MODEL_VERSION")]
    [InlineData("chatDeploymentSku", "AZURE_OPENAI_CHAT_SKU")]
    [InlineData("chatDeploymentCapacity", "AZURE_OPENAI_CHAT_CAPACITY")]
    [InlineData("embeddingModelName", "AZURE_OPENAI_EMBEDDING_MODEL")]
    [InlineData("embeddingModelVersion", "AZURE_OPENAI_EMBEDDING_MODEL_VERSION")]
    [InlineData("embeddingDeploymentSku", "AZURE_OPENAI_EMBEDDING_SKU")]
    [InlineData("embeddingDeploymentCapacity", "AZURE_OPENAI_EMBEDDING_CAPACITY")]
    public void ParametersFile_ModelParameters_MapAnAzdValueWithTheTemplateDefault(string parameter, string environmentValue)
    {
        var defaultValue = template.Json["parameters"]![parameter]!["defaultValue"]!.ToString();

        Assert.Equal($"${{{environmentValue}={defaultValue}}}", (string?)ParametersFile()[parameter]?["value"]);
    }

    [Theory]
    [InlineData("chat")]
    [InlineData("embedding")]
    public void OpenAi_Deployment_TakesModelVersionSkuAndCapacityFromParameters(string deployment)
    {
        var spec = template.Module("openai")["properties"]!["parameters"]![deployment]!["value"]!;

        Assert.Equal(deployment, (string?)spec["deploymentName"]);
        Assert.Equal($"[parameters('{deployment}ModelName')]", (string?)spec["modelName"]);
        Assert.Equal($"[parameters('{deployment}ModelVersion')]", (string?)spec["modelVersion"]);
        Assert.Equal($"[parameters('{deployment}DeploymentSku')]", (string?)spec["skuName"]);
        Assert.Equal($"[parameters('{deployment}DeploymentCapacity')]", (string?)spec["capacity"]);
    }

    /// <summary>Chat versions Microsoft's model retirement table lists as deprecated (no new customers) or retired.</summary>
    [Theory]
    [InlineData("gpt-4o-mini", "2024-07-18")]
    [InlineData("gpt-4o", "2024-05-13")]
    [InlineData("gpt-4o", "2024-08-06")]
    [InlineData("gpt-4o", "2024-11-20")]
    [InlineData("gpt-4.1-mini", "2025-04-14")]
    [InlineData("gpt-4.1", "2025-04-14")]
    [InlineData("gpt-5-mini", "2025-08-07")]
    [InlineData("gpt-5.1", "2025-11-13")]
    public void ChatModel_Default_IsNotClosedToNewCustomers(string model, string version)
    {
        var parameters = template.Json["parameters"]!;

        Assert.False(
            (string?)parameters["chatModelName"]!["defaultValue"] == model && (string?)parameters["chatModelVersion"]!["defaultValue"] == version,
            $"the default chat model {model} {version} takes no new customers");
    }

    [Fact]
    public void Location_Parameter_IsLimitedToFlexConsumptionRegionsAndPromptedByAzd()
    {
        var location = template.Json["parameters"]!["location"]!;
        var allowed = location["allowedValues"]?.AsArray().Select(v => (string)v!).ToList();

        Assert.NotNull(allowed);
        Assert.Contains("eastus2", allowed);
        Assert.Contains("swedencentral", allowed);
        Assert.All(allowed, region => Assert.Matches("^[a-z]+[0-9]?$", region));
        Assert.DoesNotContain(allowed, region => region.EndsWith("euap", StringComparison.Ordinal)); // canary regions
        Assert.Equal("location", (string?)location["metadata"]?["azd"]?["type"]);
    }

    [Fact]
    public void InstanceMemory_Parameter_AllowsOnlyFlexConsumptionSizes()
    {
        var memory = template.Json["parameters"]!["instanceMemoryMB"]!;

        Assert.Equal([512, 2048, 4096], memory["allowedValues"]?.AsArray().Select(v => (int)v!) ?? []);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)template.Module("functionapp")["properties"]!["parameters"]!["instanceMemoryMB"]!["value"]);
    }

    [Fact]
    public void DeveloperRoles_Flag_GatesThemAndComesFromTheAzdEnvironment()
    {
        var flag = template.Json["parameters"]!["allowUserIdentityPrincipal"];
        var condition = (string?)template.Module("developer-roles")["condition"];

        Assert.Equal("bool", (string?)flag?["type"]);
        Assert.Contains("parameters('allowUserIdentityPrincipal')", condition, StringComparison.Ordinal);
        Assert.Contains("parameters('principalId')", condition, StringComparison.Ordinal);
        Assert.Equal("${ALLOW_USER_IDENTITY_PRINCIPAL=true}", (string?)ParametersFile()["allowUserIdentityPrincipal"]?["value"]);
    }

    [Fact]
    public void Modules_All_AreLocalFiles()
    {
        var bicepFolder = Path.Combine(template.RepoRoot, "infra", "bicep");
        var sources = Directory.EnumerateFiles(bicepFolder, "*.bicep", SearchOption.AllDirectories).Select(File.ReadAllText);

        Assert.All(sources, source => Assert.DoesNotMatch(RegistryModule(), source));
    }

    private JsonObject ParametersFile() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(template.RepoRoot, "infra", "bicep", "main.parameters.json")))!["parameters"]!.AsObject();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex(@"^services:\s*\n\s+([a-z0-9-]+):", RegexOptions.Multiline)]
    private static partial Regex ServiceName();

    [GeneratedRegex(@"module\s+\w+\s+'(br|ts)[:/]")]
    private static partial Regex RegistryModule();
}
