using AgentFunctions.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Middleware;

/// <summary>
/// Opens the invocation's <see cref="ModelCallBudget"/>: an HTTP request retries a failing model call
/// <c>Model__MaxRetries</c> times, a queue delivery <c>Model__QueuedMaxRetries</c> times (the queue's redeliveries
/// carry the rest); all model calls of the invocation share one <c>Model__TotalTimeout</c>.
/// </summary>
internal sealed class ModelBudgetMiddleware(IOptions<ModelResilienceOptions> options, TimeProvider time) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var settings = options.Value;
        var retries = context.GetHttpContext() is null ? settings.QueuedMaxRetries : settings.MaxRetries;
        using (ModelCallBudget.Begin(retries, settings.TotalTimeout, time))
        {
            await next(context).ConfigureAwait(false);
        }
    }
}
