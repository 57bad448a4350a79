using AgentFunctions.Mcp;
using AgentFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>
/// <c>/api/mcp</c>: the caller's org as an MCP server (Streamable HTTP, stateless). The org middleware has
/// authenticated the caller (401 before any MCP processing), audited and counted the request; the SDK answers.
/// GET (a server-to-client stream) is not offered by a stateless server: 405.
/// </summary>
internal sealed class McpFunctions(OrgMcpEndpoint mcp)
{
    [Function(nameof(Mcp))]
    public async Task<IActionResult> Mcp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "mcp")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await mcp.HandlePostAsync(context.GetOrgId(), request.HttpContext).ConfigureAwait(false);
        return new EmptyResult();
    }

    /// <summary>Its own function so that each operation of the OpenAPI document is one function (operationId = name).</summary>
    [Function(nameof(McpGet))]
    public static IActionResult McpGet(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "mcp")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Response.Headers.Allow = HttpMethods.Post;
        return new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
    }
}
