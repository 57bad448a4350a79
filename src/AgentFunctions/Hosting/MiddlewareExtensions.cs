using AgentFunctions.Middleware;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;

namespace AgentFunctions.Hosting;

public static class MiddlewareExtensions
{
    /// <summary>Exception handling first, then the org context for every invocation.</summary>
    public static IFunctionsWorkerApplicationBuilder UseAgentFunctionsMiddleware(this IFunctionsWorkerApplicationBuilder builder)
    {
        builder.UseMiddleware<ExceptionMiddleware>();
        builder.UseMiddleware<OrgContextMiddleware>();
        return builder;
    }
}
