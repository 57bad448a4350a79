using AgentFunctions.Http;
using AgentFunctions.Mcp;
using AgentFunctions.Middleware;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>The admin API of an org's remote MCP servers (<c>X-Admin-Key</c>; the org is the target).</summary>
internal sealed class McpServerAdminFunctions(RemoteMcpServers servers)
{
    [Function(nameof(PutMcpServer))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> PutMcpServer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "admin/orgs/{orgId}/mcp-servers/{name}")] HttpRequest request, string orgId, string name, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        var body = await RequestBody.ReadJsonAsync<McpServerPutRequest>(request, cancellationToken).ConfigureAwait(false);
        return Json(await servers.PutAsync(org, name, body, cancellationToken).ConfigureAwait(false));
    }

    [Function(nameof(GetMcpServer))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> GetMcpServer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/orgs/{orgId}/mcp-servers/{name}")] HttpRequest request, string orgId, string name, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        return Json(await servers.GetAsync(org, name, cancellationToken).ConfigureAwait(false));
    }

    [Function(nameof(DeleteMcpServer))]
    [WithoutOrg]
    [AdminOnly]
    public async Task<IActionResult> DeleteMcpServer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/orgs/{orgId}/mcp-servers/{name}")] HttpRequest request, string orgId, string name, FunctionContext context, CancellationToken cancellationToken)
    {
        var org = AdminOnlyMiddleware.GetAdminTarget(context);
        await servers.DeleteAsync(org, name, cancellationToken).ConfigureAwait(false);
        return new NoContentResult();
    }

    private static JsonResult Json(McpServerDefinition server) => new(server, ApiJson.Options);
}
