using AgentFunctions.Mcp;
using System.Reflection;
using AgentFunctions.Auth;
using AgentFunctions.Orgs;
using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Infra.Tests;

/// <summary>Every setting the orgs and auth areas bind is a row of the settings table in docs/configuration.md.</summary>
[Collection(CompiledTemplateGroup.Name)]
public sealed class ConfigurationCoverageTests(CompiledTemplate template)
{
    [Fact]
    public void ConfigurationTable_AuthOrgsAndMcpOptions_EveryBoundSettingHasARow()
    {
        var table = ConfigurationTable.Read(template.RepoRoot);
        var settings = Settings(AuthOptions.Section, typeof(AuthOptions))
            .Concat(Settings(OrgsOptions.Section, typeof(OrgsOptions)))
            .Concat(Settings(null, typeof(AdminOptions)))
            .Concat(Settings(McpOptions.Section, typeof(McpOptions)))
            .ToList();

        Assert.Contains("Auth__Jwt__OrgClaim", settings);
        Assert.Contains("ADMIN_API_KEY", settings);
        Assert.Contains("Mcp__AllowLoopback", settings);
        var missing = settings.Where(s => !table.ContainsKey(s)).ToList();
        Assert.True(missing.Count == 0, $"not in the settings table of {ConfigurationTable.RelativePath}: {string.Join(", ", missing)}");
    }

    /// <summary>The configuration keys a type binds (nested option classes of the app included), in <c>__</c> form.</summary>
    private static IEnumerable<string> Settings(string? section, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            var key = section is null ? name : $"{section}__{name}";
            if (property.PropertyType.IsClass && property.PropertyType.Namespace?.StartsWith("AgentFunctions", StringComparison.Ordinal) == true)
            {
                foreach (var nested in Settings(key, property.PropertyType))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return key;
            }
        }
    }
}
