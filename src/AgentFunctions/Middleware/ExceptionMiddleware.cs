using AgentFunctions.Errors;
using AgentFunctions.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Middleware;

/// <summary>
/// First in the pipeline. HTTP: every failure becomes problem+json, or the OpenAI error envelope on /api/v1 (no stack trace leaves the
/// process). Queue: the failure is logged and rethrown so the host redelivers the message.
/// </summary>
internal sealed partial class ExceptionMiddleware(ILogger<ExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            var error = Unwrap(exception);
            var http = context.GetHttpContext();
            var orgId = context.InstanceServices.GetService(typeof(Tenancy.OrgContext)) is Tenancy.OrgContext { IsResolved: true } org ? org.OrgId.Value : null;
            if (error is ApiException api)
            {
                LogRefused(logger, context.FunctionDefinition.Name, orgId, api.Status, api.Code);
            }
            else
            {
                LogFailed(logger, exception, context.FunctionDefinition.Name, orgId);
            }

            if (http is null)
            {
                throw;
            }

            var traceId = context.TraceId();
            if (OpenAiHttp.IsOpenAiPath(http.Request))
            {
                await OpenAiHttp.WriteErrorAsync(http.Response, error, traceId).ConfigureAwait(false);
                return;
            }

            var problem = error is ApiException known ? Problem.From(known, traceId) : Problem.Internal(traceId);
            await problem.WriteAsync(http.Response, (error as ApiException)?.RetryAfter).ConfigureAwait(false);
        }
    }

    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0])
        : exception.InnerException is ApiException inner && exception is not ApiException ? inner
        : exception;

    [LoggerMessage(EventId = 1050, Level = LogLevel.Information, Message = "Function {FunctionName} refused for org {OrgId}: {Status} {Code}")]
    private static partial void LogRefused(ILogger logger, string functionName, string? orgId, int status, string code);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Error, Message = "Function {FunctionName} failed for org {OrgId}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName, string? orgId);
}
