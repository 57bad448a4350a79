using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Http;

/// <summary>The <c>?limit=</c> of list endpoints: absent → the endpoint's default; else a whole number from 1 to its maximum, or 400 naming <c>limit</c>.</summary>
internal static class QueryLimit
{
    public const string Name = "limit";

    public static int Parse(HttpRequest request, int defaultLimit, int maxLimit) =>
        QueryWholeNumber.Parse(request, Name, defaultLimit, 1, maxLimit);
}
