using AgentFunctions.Errors;
using AgentFunctions.Http;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Tests.Http;

public sealed class QueryLimitTests
{
    [Theory]
    [InlineData("", 50)]
    [InlineData("?limit=1", 1)]
    [InlineData("?limit=100", 100)]
    [InlineData("?other=3", 50)]
    public void Parse_AbsentOrInRange_DefaultOrValue(string query, int expected)
    {
        Assert.Equal(expected, QueryLimit.Parse(Request(query), 50, 100));
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=101")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=%2B5")]
    [InlineData("?limit=1.5")]
    [InlineData("?limit=ten")]
    [InlineData("?limit=%201")]
    [InlineData("?limit=99999999999")]
    public void Parse_Invalid_Throws400NamingLimitAndRange(string query)
    {
        var error = Assert.Throws<ApiException>(() => QueryLimit.Parse(Request(query), 50, 100));

        Assert.Equal((400, ErrorCodes.InvalidRequest), (error.Status, error.Code));
        Assert.Equal("'limit' must be a whole number from 1 to 100.", error.Message);
    }

    private static HttpRequest Request(string query)
    {
        var http = new DefaultHttpContext();
        http.Request.QueryString = new QueryString(query);
        return http.Request;
    }
}
