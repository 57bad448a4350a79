using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentFunctions.Middleware;

/// <summary>
/// Sends an HTTP invocation's answer completely as soon as the function returns, so what the invocation still does
/// afterwards (the audit row and the held writes of <see cref="OrgContextMiddleware"/>) costs the caller nothing: a
/// result the function returned is written here with its Content-Length (instead of by the worker after the whole
/// pipeline) and the response is completed; a response the function streamed is completed.
/// </summary>
internal sealed class ResponseCompletionMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        await next(context).ConfigureAwait(false);
        if (context.GetHttpContext() is { } http)
        {
            await CompleteAsync(context, http).ConfigureAwait(false);
        }
    }

    private static async Task CompleteAsync(FunctionContext context, HttpContext http)
    {
        try
        {
            var invocation = context.GetInvocationResult();
            if (!http.Response.HasStarted && invocation.Value is IActionResult result)
            {
                var body = http.Response.Body;
                using var buffer = new MemoryStream();
                http.Response.Body = buffer;
                try
                {
                    await result.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor())).ConfigureAwait(false);
                }
                finally
                {
                    http.Response.Body = body;
                }

                invocation.Value = new EmptyResult();
                http.Response.ContentLength = buffer.Length;
                await body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), http.RequestAborted).ConfigureAwait(false);
            }

            await http.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away: there is nobody to answer.
        }
    }
}
