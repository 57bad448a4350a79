using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Middleware;

/// <summary>
/// First in the pipeline. HTTP: every failure becomes problem+json, or the OpenAI error envelope on /api/v1 (no stack trace leaves the
/// process); storage that is unavailable after the client's retries is 503 <c>storage_unavailable</c> with <c>Retry-After</c>. Queue: the failure is logged and rethrown so the host redelivers the message.
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
            var http = context.GetHttpContext();
            var error = StorageFailures.AsApiError(exception, http?.RequestAborted ?? context.CancellationToken);
            var orgId = context.InstanceServices.GetService(typeof(Tenancy.OrgContext)) is Tenancy.OrgContext { IsResolved: true } org ? org.OrgId.Value : null;
            if (exception is OperationCanceledException && http?.RequestAborted.IsCancellationRequested == true)
            {
                // A streamed answer whose client went away or stopped reading (EventStream): there is nobody to answer.
                LogClientGone(logger, context.FunctionDefinition.Name, orgId);
                return;
            }

            if (error is ApiException { Code: ErrorCodes.StorageUnavailable })
            {
                LogStorageUnavailable(logger, exception, context.FunctionDefinition.Name, orgId);
            }
            else if (error is ApiException api)
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

            await Problem.From(error, traceId).WriteAsync(http.Response, (error as ApiException)?.RetryAfter).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Information, Message = "Function {FunctionName} refused for org {OrgId}: {Status} {Code}")]
    private static partial void LogRefused(ILogger logger, string functionName, string? orgId, int status, string code);

    [LoggerMessage(EventId = 1053, Level = LogLevel.Warning, Message = "Function {FunctionName} for org {OrgId}: storage unavailable after retries")]
    private static partial void LogStorageUnavailable(ILogger logger, Exception exception, string functionName, string? orgId);

    [LoggerMessage(EventId = 1060, Level = LogLevel.Information, Message = "Function {FunctionName} for org {OrgId} ended early: its client disconnected or stopped reading")]
    private static partial void LogClientGone(ILogger logger, string functionName, string? orgId);

    [LoggerMessage(EventId = 1051, Level = LogLevel.Error, Message = "Function {FunctionName} failed for org {OrgId}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string functionName, string? orgId);
}
