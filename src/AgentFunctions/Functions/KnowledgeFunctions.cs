using AgentFunctions.Http;
using AgentFunctions.Knowledge;
using AgentFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>API.md "Knowledge": this org's documents and search over them.</summary>
public sealed class KnowledgeFunctions(KnowledgeService knowledge)
{
    [Function(nameof(PutDocument))]
    public async Task<IActionResult> PutDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "documents/{documentId}")] HttpRequest request,
        string documentId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await RequestJson.ReadAsync<PutDocumentRequest>(request, cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(await knowledge.PutDocumentAsync(context.GetOrgId(), documentId, body, cancellationToken).ConfigureAwait(false));
    }

    [Function(nameof(DeleteDocument))]
    public async Task<IActionResult> DeleteDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "documents/{documentId}")] HttpRequest request,
        string documentId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        await knowledge.DeleteDocumentAsync(context.GetOrgId(), documentId, cancellationToken).ConfigureAwait(false);
        return new NoContentResult();
    }

    [Function(nameof(Search))]
    public async Task<IActionResult> Search(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "search")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await RequestJson.ReadAsync<SearchRequest>(request, cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(await knowledge.SearchAsync(context.GetOrgId(), body, cancellationToken).ConfigureAwait(false));
    }
}
