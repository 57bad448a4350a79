using System.Globalization;
using AgentFunctions.Errors;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>A whole-number query parameter: absent → its default; else a whole number within its range, or 400 naming the parameter.</summary>
internal static class QueryWholeNumber
{
    public static int Parse(HttpRequest request, string name, int defaultValue, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw ApiException.InvalidRequest(name, $"must be a whole number from {min} to {max}.");
    }
}
