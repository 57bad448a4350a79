using System.Globalization;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Usage;

/// <summary>
/// The org's own usage report: the detail rows of a day range (at most <see cref="MaxDays"/> days, one range
/// query of the org's partition) summed by day, agent, principal or kind.
/// </summary>
internal sealed class UsageReports(TableUsageStore store, TimeProvider time)
{
    public const int MaxDays = 366;
    public const int DefaultDays = 30;
    public static readonly IReadOnlyList<string> Groupings = ["day", "agent", "principal", "kind"];
    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>Validates <paramref name="from"/>, <paramref name="to"/> (<c>yyyy-MM-dd</c>, UTC days, inclusive) and <paramref name="groupBy"/> before any I/O.</summary>
    public async Task<UsageReport> GetAsync(OrgId orgId, string? from, string? to, string? groupBy, CancellationToken cancellationToken)
    {
        var grouping = groupBy ?? "day";
        if (!Groupings.Contains(grouping))
        {
            throw ApiException.InvalidRequest("groupBy", "must be one of day, agent, principal, kind.");
        }

        var last = to is null ? DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime) : ParseDay(to, "to");
        var first = from is null ? last.AddDays(1 - DefaultDays) : ParseDay(from, "from");
        if (first > last)
        {
            throw ApiException.InvalidRequest("from", "must not be after 'to'.");
        }

        if (last.DayNumber - first.DayNumber >= MaxDays)
        {
            throw ApiException.InvalidRequest("from", $"must be at most {MaxDays} days before 'to'.");
        }

        var groups = new SortedDictionary<string, UsageGroup>(StringComparer.Ordinal);
        await foreach (var detail in store.ReadDetailsAsync(orgId, first, last, cancellationToken).ConfigureAwait(false))
        {
            foreach (var part in Split(detail, grouping))
            {
                groups[part.Key] = groups.TryGetValue(part.Key, out var sum)
                    ? new UsageGroup(part.Key, sum.ChatInputTokens + part.ChatInputTokens, sum.ChatOutputTokens + part.ChatOutputTokens,
                        sum.EmbeddingTokens + part.EmbeddingTokens, sum.Runs + part.Runs)
                    : part;
            }
        }

        return new UsageReport(Format(first), Format(last), grouping, groups.Values.ToList());
    }

    private static IEnumerable<UsageGroup> Split(UsageDetail d, string grouping) => grouping switch
    {
        "day" => [new UsageGroup(Format(d.Day), d.ChatInputTokens, d.ChatOutputTokens, d.EmbeddingTokens, d.Runs)],
        "agent" => [new UsageGroup(d.Agent, d.ChatInputTokens, d.ChatOutputTokens, d.EmbeddingTokens, d.Runs)],
        "principal" => [new UsageGroup(d.Principal, d.ChatInputTokens, d.ChatOutputTokens, d.EmbeddingTokens, d.Runs)],
        _ => new[]
        {
            new UsageGroup("chat_input", d.ChatInputTokens, 0, 0, 0),
            new UsageGroup("chat_output", 0, d.ChatOutputTokens, 0, 0),
            new UsageGroup("embedding", 0, 0, d.EmbeddingTokens, 0),
        }.Where(g => g.TotalTokens > 0),
    };

    private static DateOnly ParseDay(string text, string name) =>
        DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw ApiException.InvalidRequest(name, "must be a date (yyyy-MM-dd).");

    private static string Format(DateOnly day) => day.ToString(DateFormat, CultureInfo.InvariantCulture);
}
