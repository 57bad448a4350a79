using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using AgentFunctions.Testing.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Middleware;

public sealed class ExceptionMiddlewareTests
{
    private readonly ExceptionMiddleware _middleware = new(NullLogger<ExceptionMiddleware>.Instance);

    [Fact]
    public async Task Invoke_ApiExceptionOnHttp_WritesProblemJsonWithStatusCodeAndTraceId()
    {
        var (context, http) = HttpInvocation();

        await _middleware.Invoke(context, _ => throw ApiException.NotFound("The conversation"));

        var problem = Problem(http);
        Assert.Equal((404, AgentFunctions.Http.Problem.ContentType), (http.Response.StatusCode, http.Response.ContentType));
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Equal(ErrorCodes.NotFound, problem.GetProperty("code").GetString());
        Assert.Equal("The conversation was not found.", problem.GetProperty("detail").GetString());
        Assert.Equal(context.TraceId(), problem.GetProperty("traceId").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task Invoke_UnexpectedExceptionOnHttp_Writes500WithoutMessageOrStackTrace()
    {
        var (context, http) = HttpInvocation();

        await _middleware.Invoke(context, _ => throw new InvalidOperationException("AccountKey=secret-value; table Orgs"));

        var body = Body(http);
        var problem = Problem(http);
        Assert.Equal(500, http.Response.StatusCode);
        Assert.Equal(ErrorCodes.Internal, problem.GetProperty("code").GetString());
        Assert.Equal(context.TraceId(), problem.GetProperty("traceId").GetString());
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(nameof(InvalidOperationException), body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(503)]
    public async Task Invoke_StorageFailedAfterRetriesOnHttp_Writes503StorageUnavailableWithRetryAfter(int storageStatus)
    {
        var (context, http) = HttpInvocation();
        var tries = Enumerable.Range(0, 3).Select(_ => (Exception)new Azure.RequestFailedException(storageStatus, "storage down")).ToArray();

        await _middleware.Invoke(context, _ => throw new AggregateException("Retry failed after 3 tries.", tries));

        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("10", http.Response.Headers.RetryAfter.ToString());
        Assert.Equal(ErrorCodes.StorageUnavailable, Problem(http).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Invoke_WrappedApiExceptionWithRetryAfter_WritesInnerProblemAndRetryAfter()
    {
        var (context, http) = HttpInvocation();
        var inner = new ApiException(429, ErrorCodes.QuotaExceeded, "used up", TimeSpan.FromSeconds(7.2));

        await _middleware.Invoke(context, _ => throw new AggregateException(inner));

        Assert.Equal(429, http.Response.StatusCode);
        Assert.Equal("8", http.Response.Headers.RetryAfter.ToString());
        Assert.Equal(ErrorCodes.QuotaExceeded, Problem(http).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Invoke_NonHttpInvocation_Rethrows()
    {
        var context = new TestFunctionContext("AgentFunctions.Functions.OrgDeletionFunctions.DeleteOrgData");
        var failure = new InvalidOperationException("storage down");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => _middleware.Invoke(context, _ => throw failure));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task Invoke_NoFailure_LeavesResponseAlone()
    {
        var (context, http) = HttpInvocation();

        await _middleware.Invoke(context, c =>
        {
            c.GetHttpContext()!.Response.StatusCode = 204;
            return Task.CompletedTask;
        });

        Assert.Equal((204, 0L), (http.Response.StatusCode, http.Response.Body.Length));
    }

    private static (TestFunctionContext Context, DefaultHttpContext Http) HttpInvocation()
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        return (new TestFunctionContext("AgentFunctions.Functions.AuditFunctions.GetAudit").WithHttp(http), http);
    }

    private static string Body(DefaultHttpContext http) =>
        System.Text.Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());

    private static JsonElement Problem(DefaultHttpContext http) => JsonDocument.Parse(Body(http)).RootElement;
}
