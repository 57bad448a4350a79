using AgentFunctions.Administration;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using AgentFunctions.Orgs;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>The platform operator's API (<c>X-Admin-Key</c>); runs without an org context, the org is the target.</summary>
internal sealed class OrgAdminFunctions(OrgAdministration admin)
{
    [Function(nameof(PutOrg))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> PutOrg(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/orgs/{orgId}")] HttpRequest request, string orgId, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        var body = await RequestBody.ReadJsonAsync<OrgPutRequest>(request, cancellationToken).ConfigureAwait(false);
        return Json(OrgView.From(await admin.PutAsync(org, body, cancellationToken).ConfigureAwait(false)));
    }

    [Function(nameof(GetOrg))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> GetOrg(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/orgs/{orgId}")] HttpRequest request, string orgId, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        return Json(OrgView.From(await admin.GetAsync(org, cancellationToken).ConfigureAwait(false)));
    }

    [Function(nameof(ListOrgs))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> ListOrgs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/orgs")] HttpRequest request, FunctionContext context, CancellationToken cancellationToken)
    {
        var orgs = await admin.ListAsync(cancellationToken).ConfigureAwait(false);
        return Json(new { orgs = orgs.Select(OrgView.From) });
    }

    [Function(nameof(DeleteOrg))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> DeleteOrg(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/orgs/{orgId}")] HttpRequest request, string orgId, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        var deleting = await admin.DeleteAsync(org, cancellationToken).ConfigureAwait(false);
        return Json(new { orgId = deleting.OrgId.Value, status = deleting.Status }, StatusCodes.Status202Accepted);
    }

    [Function(nameof(CreateOrgKey))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> CreateOrgKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/orgs/{orgId}/keys")] HttpRequest request, string orgId, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        var key = await admin.CreateKeyAsync(org, cancellationToken).ConfigureAwait(false);
        return Json(new { keyId = key.KeyId, apiKey = key.ApiKey }, StatusCodes.Status201Created);
    }

    [Function(nameof(RevokeOrgKey))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> RevokeOrgKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/orgs/{orgId}/keys/{keyId}")] HttpRequest request, string orgId, string keyId, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        await admin.RevokeKeyAsync(org, keyId, cancellationToken).ConfigureAwait(false);
        return new NoContentResult();
    }

    [Function(nameof(GetOrgUsage))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> GetOrgUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/orgs/{orgId}/usage")] HttpRequest request, string orgId, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        var days = await admin.GetUsageAsync(org, request.Query["from"], request.Query["to"], cancellationToken).ConfigureAwait(false);
        return Json(new { orgId = org.Value, days });
    }

    private static JsonResult Json(object value, int status = StatusCodes.Status200OK) =>
        new(value, ApiJson.Options) { StatusCode = status };
}
