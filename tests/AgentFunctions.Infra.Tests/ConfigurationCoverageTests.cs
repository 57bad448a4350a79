using System.Reflection;
using AgentFunctions.Hosting;
using AgentFunctions.Knowledge;
using AgentFunctions.Models;
using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Infra.Tests;

/// <summary>Every setting of every option class the app binds is a row of the settings table in docs/configuration.md.</summary>
[Collection(CompiledTemplateGroup.Name)]
public sealed class ConfigurationCoverageTests(CompiledTemplate template)
{
    [Fact]
    public void ConfigurationTable_EveryBoundOptionClass_EverySettingHasARow()
    {
        var table = ConfigurationTable.Read(template.RepoRoot);
        var optionClasses = BoundOptionClasses().Append(typeof(TelemetrySettings)).ToList();

        var settings = optionClasses.SelectMany(type => Settings(SectionOf(type), type)).ToList();

        Assert.Contains(typeof(AzureOpenAIOptions), optionClasses);
        Assert.Contains(typeof(AzureSearchOptions), optionClasses);
        Assert.Contains(typeof(TenancyOptions), optionClasses);
        Assert.Contains(typeof(KnowledgeOptions), optionClasses);
        Assert.Contains("Auth__Jwt__OrgClaim", settings);
        Assert.Contains("ADMIN_API_KEY", settings);
        Assert.Contains("MULTITENANCY_ENABLED", settings);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", settings);
        var missing = settings.Where(s => !table.ContainsKey(s)).ToList();
        Assert.True(missing.Count == 0, $"not in the settings table of {ConfigurationTable.RelativePath}: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// The app's option classes bound from configuration (<c>BindConfiguration</c> registers a change-token source
    /// for each), found in the app's own service registrations, so a new area's options are covered without a list here.
    /// </summary>
    private static IEnumerable<Type> BoundOptionClasses()
    {
        var services = new ServiceCollection();
        services.AddAgentFunctions(new ConfigurationBuilder().Build());
        return services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(type => type.Assembly == typeof(TenancyOptions).Assembly)
            .Distinct();
    }

    /// <summary>An option class's section is its <c>Section</c> constant; classes without one bind the root (named keys).</summary>
    private static string? SectionOf(Type type) =>
        type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;

    /// <summary>The configuration keys a type binds (nested option classes of the app included), in <c>__</c> form.</summary>
    private static IEnumerable<string> Settings(string? section, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            var key = string.IsNullOrEmpty(section) ? name : $"{section}__{name}";
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
