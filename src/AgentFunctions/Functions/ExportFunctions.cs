using AgentFunctions.Memory;
using AgentFunctions.Middleware;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>docs/api.md, "Export": everything an org owns, as NDJSON streamed page by page.</summary>
internal sealed class ExportFunctions(OrgExport export)
{
    [Function(nameof(GetExport))]
    public Task<IActionResult> GetExport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "export")] HttpRequest request, FunctionContext context, CancellationToken cancellationToken) =>
        StreamAsync(request, context.GetOrgId(), cancellationToken);

    [Function(nameof(GetOrgExport))]
    [WithoutOrg]
    [AdminOnly]
    public Task<IActionResult> GetOrgExport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/orgs/{orgId}/export")] HttpRequest request, string orgId, FunctionContext context, CancellationToken cancellationToken) =>
        StreamAsync(request, AdminOnlyMiddleware.GetAdminTarget(context), cancellationToken);

    /// <summary>404 before the first byte when the org is unknown; once streaming, a failure ends the stream after its last whole line.</summary>
    private async Task<IActionResult> StreamAsync(HttpRequest request, OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await export.FindAsync(orgId, cancellationToken).ConfigureAwait(false);
        var response = request.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = OrgExport.ContentType;
        response.Headers.ContentDisposition = $"attachment; filename=\"{orgId.Value}.ndjson\"";
        await export.WriteAsync(org, response.Body, cancellationToken).ConfigureAwait(false);
        return new EmptyResult();
    }
}
