using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary><c>/api/agents/{name}</c>: the org's named agents (docs/api.md, "Agents").</summary>
internal sealed class AgentDefinitionFunctions(AgentDefinitions agents)
{
    /// <summary>Largest definition body: 16,000 characters of instructions and of schema, as UTF-8 with room to spare.</summary>
    private const int MaxBodyBytes = 160 * 1024;

    [Function(nameof(GetAgent))]
    public async Task<IActionResult> GetAgent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents/{name}")] HttpRequest request,
        string name, FunctionContext context, CancellationToken cancellationToken)
    {
        var agent = await agents.GetAsync(context.GetOrgId(), name, cancellationToken).ConfigureAwait(false);
        if (agent.ETag is { } etag)
        {
            request.HttpContext.Response.Headers.ETag = etag;
        }

        return new JsonResult(AgentDefinitionResponse.From(agent), ApiJson.Options);
    }

    [Function(nameof(PutAgent))]
    public async Task<IActionResult> PutAgent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "agents/{name}")] HttpRequest request,
        string name, FunctionContext context, CancellationToken cancellationToken)
    {
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifNoneMatch != "*")
        {
            throw ApiException.InvalidRequest("If-None-Match", "only '*' (create only) is supported.");
        }

        var ifMatch = request.Headers.IfMatch.ToString() is { Length: > 0 } m ? m : null;
        using var body = await RequestBody.ReadJsonDocumentAsync(request, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        var (agent, created) = await agents.PutAsync(context.GetOrgId(), name, body.RootElement, ifMatch, ifNoneMatch == "*", cancellationToken).ConfigureAwait(false);
        request.HttpContext.Response.Headers.ETag = agent.ETag;
        return new JsonResult(AgentDefinitionResponse.From(agent), ApiJson.Options) { StatusCode = created ? 201 : 200 };
    }

    [Function(nameof(DeleteAgent))]
    public async Task<IActionResult> DeleteAgent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "agents/{name}")] HttpRequest request,
        string name, FunctionContext context, CancellationToken cancellationToken)
    {
        var ifMatch = request.Headers.IfMatch.ToString() is { Length: > 0 } m ? m : null;
        await agents.DeleteAsync(context.GetOrgId(), name, ifMatch, cancellationToken).ConfigureAwait(false);
        return new NoContentResult();
    }

    [Function(nameof(ListAgents))]
    public async Task<IActionResult> ListAgents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "agents")] HttpRequest request,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var limit = QueryLimit.Parse(request, AgentDefinitions.DefaultListLimit, AgentDefinitions.MaxListLimit);
        var cursor = request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        var page = await agents.ListAsync(context.GetOrgId(), limit, cursor, cancellationToken).ConfigureAwait(false);
        return new JsonResult(AgentListResponse.From(page), ApiJson.Options);
    }
}
