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
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(template.RepoRoot, "infra", "bicep", "main.parameters.json")))!["parameters"]!.AsObject();
        var parameters = template.Json["parameters"]!.AsObject();
        var required = parameters.Where(p => p.Value!["defaultValue"] is null).Select(p => p.Key);

        Assert.All(file.Select(p => p.Key), name => Assert.True(parameters.ContainsKey(name), $"main.parameters.json names unknown parameter {name}"));
        Assert.All(required, name => Assert.True(file.ContainsKey(name), $"required parameter {name} is missing from main.parameters.json"));
    }

    [Fact]
    public void Modules_All_AreLocalFiles()
    {
        var bicepFolder = Path.Combine(template.RepoRoot, "infra", "bicep");
        var sources = Directory.EnumerateFiles(bicepFolder, "*.bicep", SearchOption.AllDirectories).Select(File.ReadAllText);

        Assert.All(sources, source => Assert.DoesNotMatch(RegistryModule(), source));
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex(@"^services:\s*\n\s+([a-z0-9-]+):", RegexOptions.Multiline)]
    private static partial Regex ServiceName();

    [GeneratedRegex(@"module\s+\w+\s+'(br|ts)[:/]")]
    private static partial Regex RegistryModule();
}
