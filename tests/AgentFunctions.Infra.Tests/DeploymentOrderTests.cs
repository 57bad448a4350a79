using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentFunctions.Infra.Tests;

/// <summary>
/// ARM runs a deployment's resources in parallel unless <c>dependsOn</c> orders them. A role assignment whose
/// scope does not exist yet fails, so the first <c>azd up</c> would fail and only a second run succeed.
/// </summary>
[Collection(CompiledTemplateGroup.Name)]
public sealed partial class DeploymentOrderTests(CompiledTemplate template)
{
    [Fact]
    public void RoleAssignments_EveryModule_WaitsForTheModulesThatCreateItsScopes()
    {
        var modules = template.Modules().ToDictionary(m => (string)m["name"]!, StringComparer.Ordinal);
        var roleModules = modules.Values.Where(m => RoleAssignmentsOf(m).Any()).ToList();

        Assert.Equal(["app-roles", "developer-roles"], roleModules.Select(m => (string)m["name"]!).Order(StringComparer.Ordinal));
        Assert.All(roleModules, roles =>
        {
            var name = (string)roles["name"]!;
            var waitsFor = DependencyClosure(roles, modules);
            var createdHere = CreatedTypes(roles);
            foreach (var scopeType in RoleAssignmentsOf(roles).Select(ScopeTypeOf).Distinct(StringComparer.OrdinalIgnoreCase).Where(t => !createdHere.Contains(t)))
            {
                var creators = modules.Values.Where(m => CreatedTypes(m).Contains(scopeType)).Select(m => (string)m["name"]!).ToList();
                Assert.True(creators.Count > 0, $"'{name}' assigns a role on {scopeType}, which no module creates");
                Assert.All(creators, creator => Assert.True(
                    waitsFor.Contains(creator),
                    $"'{name}' assigns a role on {scopeType} but does not depend on '{creator}', which creates it: the assignment can run before its scope exists"));
            }
        });
    }

    [Fact]
    public void FunctionApp_Module_WaitsForTheAppRoles()
    {
        var modules = template.Modules().ToDictionary(m => (string)m["name"]!, StringComparer.Ordinal);

        // The host reaches storage and Key Vault as soon as it starts.
        Assert.Contains("app-roles", DependencyClosure(modules["functionapp"], modules));
    }

    private static IEnumerable<JsonObject> RoleAssignmentsOf(JsonObject module) =>
        CompiledTemplate.AllResourcesOf(CompiledTemplate.TemplateOf(module))
            .Where(r => (string?)r["type"] == "Microsoft.Authorization/roleAssignments");

    private static string ScopeTypeOf(JsonObject assignment) =>
        ScopeType().Match((string?)assignment["scope"] ?? string.Empty) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException($"role assignment {assignment["name"]} has no resourceId(...) scope");

    private static HashSet<string> CreatedTypes(JsonObject module) =>
        CompiledTemplate.AllResourcesOf(CompiledTemplate.TemplateOf(module))
            .Where(r => r["existing"] is null)
            .Select(r => (string)r["type"]!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names of every module a module waits for, directly or through another module.</summary>
    private static HashSet<string> DependencyClosure(JsonObject module, Dictionary<string, JsonObject> modules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<JsonObject>([module]);
        while (pending.TryPop(out var current))
        {
            foreach (var dependency in (current["dependsOn"]?.AsArray() ?? []).Select(d => (string)d!))
            {
                var deployment = DeploymentDependency().Match(dependency);
                if (deployment.Success && seen.Add(deployment.Groups[1].Value) && modules.TryGetValue(deployment.Groups[1].Value, out var next))
                {
                    pending.Push(next);
                }
            }
        }

        return seen;
    }

    [GeneratedRegex(@"resourceId\('([^']+)'")]
    private static partial Regex ScopeType();

    [GeneratedRegex(@"'Microsoft\.Resources/deployments',\s*'([^']+)'\)")]
    private static partial Regex DeploymentDependency();
}
