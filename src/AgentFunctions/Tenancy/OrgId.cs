using System.Diagnostics.CodeAnalysis;

namespace AgentFunctions.Tenancy;

/// <summary>
/// A validated organization id: 1-64 characters of <c>a-z</c>, <c>0-9</c>, <c>-</c> and <c>_</c>,
/// starting with a letter or digit. It can only be made by parsing, so a value of this type is
/// always safe to use as a Table Storage partition key or inside an escaped filter.
/// </summary>
internal readonly record struct OrgId
{
    public const int MaxLength = 64;

    private readonly string? _value;

    private OrgId(string value) => _value = value;

    /// <summary>The id as text. The default <see cref="OrgId"/> is never valid and throws.</summary>
    public string Value => _value ?? throw new InvalidOperationException("An OrgId must be created with OrgId.TryParse.");

    public static bool TryParse([NotNullWhen(true)] string? text, out OrgId orgId)
    {
        orgId = default;
        if (!Identifiers.IsLowerSlug(text, MaxLength))
        {
            return false;
        }

        orgId = new OrgId(text);
        return true;
    }

    /// <summary>Parses text that is known to be valid (configuration, tests); throws otherwise.</summary>
    public static OrgId Parse(string text) =>
        TryParse(text, out var orgId) ? orgId : throw new FormatException($"'{text}' is not a valid org id.");

    public override string ToString() => Value;
}
