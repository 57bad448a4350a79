using System.Collections;
using System.Diagnostics;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Observability;

/// <summary>
/// Puts the invocation's org on its telemetry: an <c>org.id</c> tag on the current activity and on
/// the request span above it, and a log scope carrying <c>org.id</c> (exported as a custom
/// dimension). Child activities (dependencies) get the tag from <see cref="OrgIdActivityProcessor"/>.
/// </summary>
internal static class OrgTelemetry
{
    public const string OrgIdTag = "org.id";

    /// <summary>Call once the org is resolved; dispose when the invocation ends.</summary>
    public static IDisposable? Begin(ILogger logger, OrgId org)
    {
        ArgumentNullException.ThrowIfNull(logger);
        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            // The current activity, and the request span(s) it belongs to; never a long-lived ancestor.
            if (activity == Activity.Current || activity.Kind == ActivityKind.Server)
            {
                activity.SetTag(OrgIdTag, org.Value);
            }
        }

        return logger.BeginScope(new OrgScope(org.Value));
    }

    /// <summary>The org tag of the nearest in-process ancestor that has one.</summary>
    internal static object? InheritedOrg(Activity activity)
    {
        for (var parent = activity.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent.GetTagItem(OrgIdTag) is { } org)
            {
                return org;
            }
        }

        return null;
    }

    /// <summary>Structured scope state, so log exporters see a property named <c>org.id</c>.</summary>
    private sealed class OrgScope(string org) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new(OrgIdTag, org) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{OrgIdTag}:{org}";
    }
}
