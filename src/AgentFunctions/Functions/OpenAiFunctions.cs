using AgentFunctions.Http;
using AgentFunctions.Middleware;
using AgentFunctions.OpenAi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Functions;

/// <summary>The OpenAI-compatible API (<c>/api/v1</c>): models, chat completions, responses. Errors use OpenAI's envelope.</summary>
internal sealed class OpenAiFunctions(OpenAiModels models, OpenAiChatCompletions chat, OpenAiResponses responses, IOptions<StreamingOptions> streaming)
{
    /// <summary>Largest accepted body: a chat completion carries its whole history.</summary>
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary><c>GET /api/v1/models</c>: the org's agents.</summary>
    [Function(nameof(ListModels))]
    public async Task<IActionResult> ListModels(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/models")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await OpenAiHttp.WriteJsonAsync(request.HttpContext.Response, await models.ListAsync(context.GetOrgId(), cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new EmptyResult();
    }

    /// <summary><c>GET /api/v1/models/{model}</c>: one agent, 404 <c>model_not_found</c> otherwise.</summary>
    [Function(nameof(GetModel))]
    public async Task<IActionResult> GetModel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/models/{model}")] HttpRequest request,
        string model,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await OpenAiHttp.WriteJsonAsync(request.HttpContext.Response, await models.GetAsync(context.GetOrgId(), model, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new EmptyResult();
    }

    /// <summary><c>POST /api/v1/chat/completions</c>: JSON, or <c>chat.completion.chunk</c> events with <c>"stream": true</c>.</summary>
    [Function(nameof(CreateChatCompletion))]
    public async Task<IActionResult> CreateChatCompletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/chat/completions")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var orgId = context.GetOrgId();
        using var body = await RequestBody.ReadJsonDocumentAsync(request, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        var call = await chat.ReadAsync(orgId, body.RootElement, cancellationToken).ConfigureAwait(false);
        var response = request.HttpContext.Response;
        if (call.Stream)
        {
            using var stream = new EventStream(response, streaming.Value.StreamWriteTimeout, cancellationToken);
            await OpenAiHttp.WriteEventsAsync(stream, chat.StreamAsync(orgId, call, context.TraceId(), stream.Token), doneSentinel: true).ConfigureAwait(false);
        }
        else
        {
            await OpenAiHttp.WriteJsonAsync(response, await chat.CompleteAsync(orgId, call, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        return new EmptyResult();
    }

    /// <summary><c>POST /api/v1/responses</c>: JSON, or the documented response events with <c>"stream": true</c>.</summary>
    [Function(nameof(CreateResponse))]
    public async Task<IActionResult> CreateResponse(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "v1/responses")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var orgId = context.GetOrgId();
        using var body = await RequestBody.ReadJsonDocumentAsync(request, MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        var prepared = await responses.ReadAsync(orgId, body.RootElement, cancellationToken).ConfigureAwait(false);
        var response = request.HttpContext.Response;
        if (prepared.Request.Stream)
        {
            using var stream = new EventStream(response, streaming.Value.StreamWriteTimeout, cancellationToken);
            await OpenAiHttp.WriteEventsAsync(stream, responses.StreamAsync(orgId, prepared, stream.Token), doneSentinel: false).ConfigureAwait(false);
        }
        else
        {
            await OpenAiHttp.WriteJsonAsync(response, await responses.CreateAsync(orgId, prepared, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        return new EmptyResult();
    }

    /// <summary><c>GET /api/v1/responses/{responseId}</c>: a stored response of the org, as it was returned.</summary>
    [Function(nameof(GetResponse))]
    public async Task<IActionResult> GetResponse(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/responses/{responseId}")] HttpRequest request,
        string responseId,
        FunctionContext context,
        CancellationToken cancellationToken) =>
        new ContentResult
        {
            Content = await responses.GetJsonAsync(context.GetOrgId(), responseId, cancellationToken).ConfigureAwait(false),
            ContentType = "application/json",
            StatusCode = StatusCodes.Status200OK,
        };

    /// <summary><c>DELETE /api/v1/responses/{responseId}</c>: <c>{"id", "object": "response.deleted", "deleted": true}</c>.</summary>
    [Function(nameof(DeleteResponse))]
    public async Task<IActionResult> DeleteResponse(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "v1/responses/{responseId}")] HttpRequest request,
        string responseId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await OpenAiHttp.WriteJsonAsync(request.HttpContext.Response, await responses.DeleteAsync(context.GetOrgId(), responseId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new EmptyResult();
    }
}
