using AgentFunctions.Errors;
using Azure;

namespace AgentFunctions.Storage;

/// <summary>HTTP preconditions as Table Storage ETags.</summary>
internal static class EntityTags
{
    /// <summary>
    /// <c>If-Match</c>: null when absent, <see cref="ETag.All"/> for <c>*</c>, or one entity tag (<c>"…"</c> or <c>W/"…"</c>);
    /// anything else, or <c>If-Match</c> together with <c>If-None-Match: *</c> (<paramref name="createOnly"/>), is a 400 before any I/O.
    /// </summary>
    public static ETag? ParseIfMatch(string? value, bool createOnly)
    {
        if (value is null)
        {
            return null;
        }

        if (createOnly)
        {
            throw ApiException.InvalidRequest("If-Match", "cannot be combined with If-None-Match.");
        }

        if (value == "*")
        {
            return ETag.All;
        }

        var quoted = value.StartsWith("W/", StringComparison.Ordinal) ? value.AsSpan(2) : value.AsSpan();
        return quoted.Length >= 2 && quoted[0] == '"' && quoted[^1] == '"' && !quoted[1..^1].Contains('"')
            ? new ETag(value)
            : throw ApiException.InvalidRequest("If-Match", "must be * or one ETag exactly as returned by a read.");
    }
}
