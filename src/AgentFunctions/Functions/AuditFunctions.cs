using AgentFunctions.Audit;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

internal sealed class AuditFunctions(IAuditTrail trail)
{
    public const int DefaultLimit = 100;

    /// <summary>The caller's org's audit trail, newest first, paged with a cursor (docs/api.md, "Audit").</summary>
    [Function(nameof(GetAudit))]
    public async Task<IActionResult> GetAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest request, FunctionContext context, CancellationToken cancellationToken)
    {
        var limit = QueryLimit.Parse(request, DefaultLimit, TableAuditTrail.MaxLimit);
        var cursor = request.Query["cursor"].ToString() is { Length: > 0 } text ? text : null;
        var page = await trail.ReadAsync(context.GetOrgId(), limit, cursor, cancellationToken).ConfigureAwait(false);
        return new JsonResult(page, ApiJson.Options);
    }
}
