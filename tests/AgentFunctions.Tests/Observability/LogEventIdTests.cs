using System.Reflection;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Observability;

public sealed class LogEventIdTests
{
    private static readonly List<(MethodInfo Method, LoggerMessageAttribute Attribute)> Definitions = typeof(OrgId).Assembly
        .GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()!))
        .Where(d => d.Attribute is not null)
        .ToList();

    [Fact]
    public void LoggerMessages_All_HaveAnExplicitEventId()
    {
        var missing = Definitions.Where(d => d.Attribute.EventId <= 0).Select(d => Name(d.Method)).ToList();

        Assert.NotEmpty(Definitions);
        Assert.True(missing.Count == 0, "[LoggerMessage] without an EventId: " + string.Join(", ", missing));
    }

    [Fact]
    public void LoggerMessages_EventIds_AreUniqueAcrossTheApp()
    {
        var duplicates = Definitions.GroupBy(d => d.Attribute.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => Name(d.Method)))}")
            .ToList();

        Assert.True(duplicates.Count == 0, "Duplicate EventIds:\n" + string.Join('\n', duplicates));
    }

    private static string Name(MethodInfo method) => $"{method.DeclaringType!.FullName}.{method.Name}";
}
