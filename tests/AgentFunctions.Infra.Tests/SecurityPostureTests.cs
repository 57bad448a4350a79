using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentFunctions.Infra.Tests;

[Collection(CompiledTemplateGroup.Name)]
public sealed partial class SecurityPostureTests(CompiledTemplate template)
{
    // Built-in role definition ids.
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string SearchIndexDataContributor = "8ebe5a00-799e-43f5-93ac-243d3dce84a7";
    private const string SearchServiceContributor = "7ca78c08-252a-4471-8644-bb5ff32d4ba0";
    private const string CognitiveServicesOpenAIUser = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";

    [Fact]
    public void Build_MainTemplate_HasNoWarningsOrErrors()
    {
        Assert.DoesNotMatch(@"\b(Warning|Error)\b", template.BuildDiagnostics);
    }

    [Theory]
    [InlineData("listKeys")]
    [InlineData("listAdminKeys")]
    [InlineData("listQueryKeys")]
    [InlineData("listConnectionStrings")]
    [InlineData("listSecrets")]
    [InlineData("AccountKey=")]
    [InlineData("SharedAccessKey")]
    [InlineData("InstrumentationKey=")]
    [InlineData("primaryKey")]
    public void Template_Anywhere_NeverReadsOrWritesKeys(string keyMarker)
    {
        Assert.DoesNotContain(keyMarker, template.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void StorageAccounts_All_DenySharedKeyPublicBlobsAndOldTls()
    {
        var accounts = template.Resources("Microsoft.Storage/storageAccounts").ToList();

        Assert.NotEmpty(accounts);
        Assert.All(accounts, account =>
        {
            var properties = account["properties"]!;
            Assert.False((bool)properties["allowSharedKeyAccess"]!);
            Assert.False((bool)properties["allowBlobPublicAccess"]!);
            Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
            Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        });
    }

    [Theory]
    [InlineData("Microsoft.Search/searchServices", "disableLocalAuth")]
    [InlineData("Microsoft.CognitiveServices/accounts", "disableLocalAuth")]
    [InlineData("Microsoft.Insights/components", "DisableLocalAuth")]
    public void DataServices_All_HaveLocalAuthOff(string type, string property)
    {
        var services = template.Resources(type).ToList();

        Assert.NotEmpty(services);
        Assert.All(services, service => Assert.True((bool)service["properties"]![property]!, $"{type} must set {property}: true"));
    }

    [Fact]
    public void KeyVaults_All_UseRbacNotAccessPolicies()
    {
        var vaults = template.Resources("Microsoft.KeyVault/vaults").ToList();

        Assert.NotEmpty(vaults);
        Assert.All(vaults, vault =>
        {
            Assert.True((bool)vault["properties"]!["enableRbacAuthorization"]!);
            Assert.Null(vault["properties"]!["accessPolicies"]);
        });
    }

    [Fact]
    public void FunctionApp_Site_IsFlexConsumptionDotnet10HttpsOnlyWithIdentityDeployment()
    {
        var plan = Assert.Single(template.Resources("Microsoft.Web/serverfarms"));
        var site = Assert.Single(template.Resources("Microsoft.Web/sites"));
        var properties = site["properties"]!;
        var functionAppConfig = properties["functionAppConfig"]!;

        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.Equal("dotnet-isolated", (string?)functionAppConfig["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)functionAppConfig["runtime"]!["version"]);
        Assert.True((bool)properties["httpsOnly"]!);
        Assert.Equal("Disabled", (string?)properties["siteConfig"]!["ftpsState"]);
        Assert.Equal("1.2", (string?)properties["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("UserAssigned", (string?)site["identity"]!["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)functionAppConfig["deployment"]!["storage"]!["authentication"]!["type"]);
    }

    [Fact]
    public void FunctionApp_BasicPublishingCredentials_AreOff()
    {
        var policies = template.Resources("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();

        Assert.Equal(["ftp", "scm"], policies.Select(p => LastNameSegment((string)p["name"]!)).Order(StringComparer.Ordinal));
        Assert.All(policies, p => Assert.False((bool)p["properties"]!["allow"]!));
    }

    [Fact]
    public void RoleAssignments_AppIdentity_CoverEveryDataPlaneTheAppUses()
    {
        var appRoles = template.Module("app-roles");

        var granted = RoleAssignments(appRoles).ToHashSet();

        Assert.Equal("ServicePrincipal", (string?)appRoles["properties"]!["parameters"]!["principalType"]!["value"]);
        Assert.Contains("'identity'", (string)appRoles["properties"]!["parameters"]!["principalId"]!["value"]!, StringComparison.Ordinal);
        Assert.Equal(
            new HashSet<(string, string)>
            {
                ("Microsoft.Storage/storageAccounts", StorageBlobDataOwner),
                ("Microsoft.Storage/storageAccounts", StorageQueueDataContributor),
                ("Microsoft.Storage/storageAccounts", StorageTableDataContributor),
                ("Microsoft.Search/searchServices", SearchIndexDataContributor),
                ("Microsoft.Search/searchServices", SearchServiceContributor),
                ("Microsoft.CognitiveServices/accounts", CognitiveServicesOpenAIUser),
                ("Microsoft.Insights/components", MonitoringMetricsPublisher),
                ("Microsoft.KeyVault/vaults", KeyVaultSecretsUser),
            },
            granted);
    }

    [Theory]
    [InlineData("storageAccountName", "storage", "name")]
    [InlineData("searchServiceName", "search", "name")]
    [InlineData("openAiAccountName", "openai", "name")]
    [InlineData("applicationInsightsName", "monitoring", "applicationInsightsName")]
    [InlineData("keyVaultName", "keyvault", "name")]
    public void RoleAssignments_AppIdentity_TargetTheResourcesTheTemplateCreates(string rolesParameter, string module, string moduleParameter)
    {
        var granted = template.Module("app-roles")["properties"]!["parameters"]![rolesParameter]!["value"]!;
        var created = template.Module(module)["properties"]!["parameters"]![moduleParameter]!["value"]!;

        Assert.Equal((string)created!, (string)granted!);
    }

    [Fact]
    public void RoleAssignments_Developer_OnlyWhenPrincipalIdIsGiven()
    {
        var developerRoles = template.Module("developer-roles");

        Assert.Contains("parameters('principalId')", (string?)developerRoles["condition"], StringComparison.Ordinal);
        Assert.Equal(RoleAssignments(template.Module("app-roles")).ToHashSet(), RoleAssignments(developerRoles).ToHashSet());
    }

    [Fact]
    public void AdminApiKey_Parameter_IsSecureWithoutDefaultAndNeverOutput()
    {
        var parameter = template.Json["parameters"]!["adminApiKey"]!;

        Assert.Equal("securestring", (string?)parameter["type"]);
        Assert.Null(parameter["defaultValue"]);
        Assert.DoesNotContain("adminApiKey", template.Json["outputs"]!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>(resource type of the scope, role definition id) of every role assignment in a roles module.</summary>
    private static IEnumerable<(string ScopeType, string RoleId)> RoleAssignments(JsonObject module)
    {
        var inner = CompiledTemplate.TemplateOf(module);
        var roleVariables = inner["variables"]?["roles"]?.AsObject();
        foreach (var assignment in CompiledTemplate.ResourcesOf(inner).Where(r => (string?)r["type"] == "Microsoft.Authorization/roleAssignments"))
        {
            var scopeType = ScopeType().Match((string)assignment["scope"]!).Groups[1].Value;
            var roleDefinition = (string)assignment["properties"]!["roleDefinitionId"]!;
            var literal = Guid().Match(roleDefinition);
            var roleId = literal.Success
                ? literal.Value
                : (string)roleVariables![RoleVariable().Match(roleDefinition).Groups[1].Value]!;
            yield return (scopeType, roleId);
        }
    }

    private static string LastNameSegment(string armName) => armName.TrimEnd(']', ')').Split('\'', StringSplitOptions.RemoveEmptyEntries)[^1];

    [GeneratedRegex(@"resourceId\('([^']+)'")]
    private static partial Regex ScopeType();

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"variables\('roles'\)\.(\w+)")]
    private static partial Regex RoleVariable();
}
