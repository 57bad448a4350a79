using AgentFunctions.Errors;
using AgentFunctions.OpenAi;

namespace AgentFunctions.Tests.OpenAi;

public sealed class OpenAiErrorTests
{
    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(413, "invalid_request_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(502, "server_error")]
    [InlineData(503, "server_error")]
    public void From_ApiException_OurCodeAndStatusWithOpenAisErrorType(int status, string type)
    {
        var error = OpenAiError.From(new ApiException(status, "some_code", "What went wrong."), "trace-1").Error;

        Assert.Equal(("What went wrong.", type, "some_code"), (error.Message, error.Type, error.Code));
    }

    [Fact]
    public void From_InvalidRequest_ParamIsTheField()
    {
        Assert.Equal("messages[0].role", OpenAiError.From(ApiException.InvalidRequest("messages[0].role", "is wrong."), "t").Error.Param);
    }

    [Fact]
    public void From_UnexpectedException_InternalWithoutItsMessage()
    {
        var error = OpenAiError.From(new InvalidOperationException("secret internals"), "trace-9").Error;

        Assert.Equal(("server_error", ErrorCodes.Internal), (error.Type, error.Code));
        Assert.DoesNotContain("secret internals", error.Message, StringComparison.Ordinal);
        Assert.Contains("trace-9", error.Message, StringComparison.Ordinal);
    }
}
