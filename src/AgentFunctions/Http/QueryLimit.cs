using System.Globalization;
using AgentFunctions.Errors;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>The <c>?limit=</c> of list endpoints: absent → the endpoint's default; else a whole number from 1 to its maximum, or 400 naming <c>limit</c>.</summary>
internal static class QueryLimit
{
    public const string Name = "limit";

    public static int Parse(HttpRequest request, int defaultLimit, int maxLimit)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = request.Query[Name].ToString();
        if (text.Length == 0)
        {
            return defaultLimit;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit >= 1 && limit <= maxLimit
            ? limit
            : throw ApiException.InvalidRequest(Name, $"must be a whole number from 1 to {maxLimit}.");
    }
}
