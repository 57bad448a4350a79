using AgentFunctions.Http;
using AgentFunctions.Knowledge;
using AgentFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Functions;

/// <summary>docs/api.md, "Knowledge": this org's documents and search over them.</summary>
internal sealed class KnowledgeFunctions(KnowledgeService knowledge, IOptions<KnowledgeOptions> options)
{
    // Room for the largest accepted content even when every character is JSON-escaped (\uXXXX), plus title and metadata.
    private int MaxDocumentBodyBytes => (options.Value.MaxDocumentCharacters * 6) + RequestBody.DefaultMaxBytes;

    [Function(nameof(PutDocument))]
    public async Task<IActionResult> PutDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "documents/{documentId}")] HttpRequest request,
        string documentId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<PutDocumentRequest>(request, cancellationToken, MaxDocumentBodyBytes).ConfigureAwait(false);
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
        var body = await RequestBody.ReadJsonAsync<SearchRequest>(request, cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(await knowledge.SearchAsync(context.GetOrgId(), body, cancellationToken).ConfigureAwait(false));
    }
}
