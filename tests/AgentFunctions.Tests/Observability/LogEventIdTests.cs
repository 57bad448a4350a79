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

    /// <summary>Each area's EventIds (docs/operations.md, "Telemetry"), by the folder its namespace names.</summary>
    private static readonly Dictionary<string, (int From, int To)> AreaRanges = new(StringComparer.Ordinal)
    {
        ["Tenancy"] = (1000, 1099), ["Middleware"] = (1000, 1099), ["Auth"] = (1100, 1199), ["Orgs"] = (1200, 1299),
        ["Usage"] = (1300, 1399), ["Audit"] = (1400, 1499), ["Storage"] = (1500, 1599), ["Observability"] = (1600, 1699),
        ["Models"] = (1700, 1799), ["Conversations"] = (1800, 1899), ["Agents"] = (1900, 1999), ["Knowledge"] = (2000, 2099),
        ["DataStore"] = (2100, 2199), ["Jobs"] = (2200, 2299), ["Functions"] = (2300, 2399), ["Http"] = (2300, 2399),
        ["Hosting"] = (2400, 2499), ["Administration"] = (2400, 2499), ["OpenAi"] = (3000, 3099), ["Mcp"] = (3100, 3199),
        ["OpenApi"] = (3200, 3299), ["Memory"] = (3300, 3399), ["Secrets"] = (3400, 3499),
    };

    [Fact]
    public void LoggerMessages_EventIds_FallInTheirAreasRange()
    {
        var outside = Definitions
            .Select(d => (d.Method, d.Attribute.EventId, Area: d.Method.DeclaringType!.Namespace!.Split('.').ElementAtOrDefault(1) ?? "(root)"))
            .Where(d => !AreaRanges.TryGetValue(d.Area, out var range) || d.EventId < range.From || d.EventId > range.To)
            .Select(d => $"{Name(d.Method)}: EventId {d.EventId} in area {d.Area}")
            .ToList();

        Assert.True(outside.Count == 0, "EventIds outside their area's range (or an area without one):\n" + string.Join('\n', outside));
    }

    private static string Name(MethodInfo method) => $"{method.DeclaringType!.FullName}.{method.Name}";
}
