using AgentFunctions.Administration;
using AgentFunctions.Tenancy;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AgentFunctions.Middleware;

/// <summary>
/// For <see cref="AdminOnlyAttribute"/> functions: a malformed <c>{orgId}</c> is refused with 400 first, then the admin
/// key is checked (401/403, audited in the target org's trail); the parsed org is then <see cref="GetAdminTarget"/>.
/// </summary>
internal sealed class AdminOnlyMiddleware(FunctionCatalog catalog, AdminGuard guard) : IFunctionsWorkerMiddleware
{
    private const string RouteOrgId = "orgId";
    private static readonly object TargetKey = new();

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (catalog.Get(context).AdminOnly && context.GetHttpContext() is { } http)
        {
            OrgId? target = context.BindingContext.BindingData.TryGetValue(RouteOrgId, out var raw)
                ? OrgAdministration.ParseOrgId(raw?.ToString())
                : null;
            await guard.EnsureAdminAsync(context, http.Request, target, context.CancellationToken).ConfigureAwait(false);
            if (target is { } org)
            {
                context.Items[TargetKey] = org;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>The org named by the route of an admin function, already validated and authorized.</summary>
    public static OrgId GetAdminTarget(FunctionContext context) =>
        context.Items.TryGetValue(TargetKey, out var target) && target is OrgId org
            ? org
            : throw new InvalidOperationException($"Function '{context.FunctionDefinition.Name}' has no admin target: mark it [AdminOnly] with an {{{RouteOrgId}}} route.");
}
