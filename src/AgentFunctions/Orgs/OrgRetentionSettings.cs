using System.Text.Json.Serialization;
using System.Xml;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Orgs;

/// <summary>
/// The <c>retention</c> object of an org (and of the platform defaults, <c>Orgs__Retention__*</c>): ISO 8601
/// durations (<c>P30D</c>, <c>PT5S</c>); absent keeps.
/// </summary>
internal sealed class OrgRetentionSettings
{
    /// <summary>The longest retention accepted (about 100 years).</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36_600);

    [JsonPropertyName("conversations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Conversations { get; set; }

    [JsonPropertyName("jobs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Jobs { get; set; }

    /// <summary>Parses both durations; a bad one is a 400 naming <paramref name="prefix"/>.field.</summary>
    public OrgRetention Parse(string prefix) => new(ParseOne(Conversations, $"{prefix}.conversations"), ParseOne(Jobs, $"{prefix}.jobs"));

    /// <summary>An org's own period wins over the platform default, field by field.</summary>
    public static OrgRetention Over(OrgRetention own, OrgRetention defaults) =>
        new(own.Conversations ?? defaults.Conversations, own.Jobs ?? defaults.Jobs);

    private static TimeSpan? ParseOne(string? text, string field)
    {
        if (text is null)
        {
            return null;
        }

        TimeSpan period;
        try
        {
            period = XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            throw ApiException.InvalidRequest(field, "must be an ISO 8601 duration such as P30D or PT12H.");
        }
        catch (OverflowException)
        {
            throw ApiException.InvalidRequest(field, "must be an ISO 8601 duration such as P30D or PT12H.");
        }

        return period > TimeSpan.Zero && period <= Max
            ? period
            : throw ApiException.InvalidRequest(field, "must be positive and at most 36600 days (omit it to keep).");
    }
}
