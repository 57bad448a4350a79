using AgentFunctions.Tenancy;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Middleware;

internal static class FunctionContextExtensions
{
    /// <summary>The org this invocation acts for, resolved and authorized by <c>OrgContextMiddleware</c>.</summary>
    public static OrgId GetOrgId(this FunctionContext context) =>
        context.InstanceServices.GetRequiredService<OrgContext>().OrgId;

    public static OrgContext GetOrgContext(this FunctionContext context) =>
        context.InstanceServices.GetRequiredService<OrgContext>();

    public static string TraceId(this FunctionContext context) =>
        System.Diagnostics.Activity.Current?.TraceId.ToString() ?? context.InvocationId;
}
