using AgentFunctions.Agents;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Functions;

/// <summary>The agent endpoint (<c>POST /api/agent/run</c>).</summary>
internal sealed class AgentRunFunctions(IAgent agent, IOptions<StreamingOptions> streaming)
{
    /// <summary><c>POST /api/agent/run</c>: JSON, or server-sent events with <c>Accept: text/event-stream</c>.</summary>
    [Function(nameof(RunAgent))]
    public async Task<IActionResult> RunAgent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "agent/run")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var body = await RequestBody.ReadJsonAsync<AgentRunRequest>(request, cancellationToken).ConfigureAwait(false);
        body.Validate();
        var orgId = context.GetOrgId();
        if (AgentEvents.IsRequested(request))
        {
            using var stream = new EventStream(request.HttpContext.Response, streaming.Value.StreamWriteTimeout, cancellationToken);
            await AgentEvents.WriteAsync(stream, agent.RunStreamingAsync(orgId, body, stream.Token), context.TraceId()).ConfigureAwait(false);
            return new EmptyResult();
        }

        return new OkObjectResult(await agent.RunAsync(orgId, body, turnId: null, cancellationToken).ConfigureAwait(false));
    }
}
