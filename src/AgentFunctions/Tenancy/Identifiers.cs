using System.Diagnostics.CodeAnalysis;

namespace AgentFunctions.Tenancy;

/// <summary>
/// Strict formats for every identifier that reaches storage (org, conversation, job, document,
/// collection and record ids). Anything else is refused before any I/O; nothing is normalized.
/// </summary>
internal static class Identifiers
{
    /// <summary>Max length of conversation, job, document and record ids.</summary>
    public const int ResourceIdMaxLength = 128;

    /// <summary>
    /// <c>^[a-z0-9][a-z0-9_-]{0,max-1}$</c>: the org id and collection name format.
    /// </summary>
    public static bool IsLowerSlug([NotNullWhen(true)] string? text, int maxLength)
    {
        if (string.IsNullOrEmpty(text) || text.Length > maxLength || !IsLowerAlnum(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!IsLowerAlnum(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// <c>^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$</c>: conversation, job, document and record ids.
    /// Excludes every character Table Storage forbids in keys (<c>/ \ # ?</c>, control characters)
    /// and our own key separator <c>|</c>.
    /// </summary>
    public static bool IsResourceId([NotNullWhen(true)] string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > ResourceIdMaxLength || !char.IsAsciiLetterOrDigit(text[0]))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_' && c != '.')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws 400 <c>invalid_request</c> naming <paramref name="field"/> unless <paramref name="value"/> is a resource id.</summary>
    public static void EnsureResourceId([NotNull] string? value, string field)
    {
        if (!IsResourceId(value))
        {
            throw Errors.ApiException.InvalidRequest(field, $"must be 1-{ResourceIdMaxLength} characters of A-Z, a-z, 0-9, '-', '_' and '.', starting with a letter or digit.");
        }
    }

    /// <summary>A new random resource id (32 lowercase hex characters).</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    private static bool IsLowerAlnum(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
