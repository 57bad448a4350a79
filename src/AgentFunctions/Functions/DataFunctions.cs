using AgentFunctions.DataStore;
using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using AgentFunctions.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary><c>/api/data/{collection}/{id}</c>: the org's JSON records (docs/api.md, "Data store").</summary>
internal sealed class DataFunctions(DataRecordStore store)
{
    [Function(nameof(GetRecord))]
    public async Task<IActionResult> GetRecord(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "data/{collection}/{id}")] HttpRequest request,
        string collection, string id, FunctionContext context, CancellationToken cancellationToken)
    {
        var record = await store.GetAsync(context.GetOrgId(), collection, id, cancellationToken).ConfigureAwait(false);
        request.HttpContext.Response.Headers.ETag = record.ETag;
        return new JsonResult(record.Value, ApiJson.Options);
    }

    [Function(nameof(PutRecord))]
    public async Task<IActionResult> PutRecord(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "data/{collection}/{id}")] HttpRequest request,
        string collection, string id, FunctionContext context, CancellationToken cancellationToken)
    {
        var precondition = Precondition(request);
        using var body = await RequestBody.ReadJsonDocumentAsync(request, DataRecordStore.MaxValueBytes, cancellationToken).ConfigureAwait(false);
        var etag = await store.PutAsync(context.GetOrgId(), collection, id, body.RootElement, precondition, cancellationToken).ConfigureAwait(false);
        request.HttpContext.Response.Headers.ETag = etag;
        return new JsonResult(new DataRecordWritten(id, etag), ApiJson.Options);
    }

    [Function(nameof(DeleteRecord))]
    public async Task<IActionResult> DeleteRecord(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "data/{collection}/{id}")] HttpRequest request,
        string collection, string id, FunctionContext context, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(context.GetOrgId(), collection, id, Precondition(request), cancellationToken).ConfigureAwait(false);
        return new NoContentResult();
    }

    [Function(nameof(ListRecords))]
    public async Task<IActionResult> ListRecords(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "data/{collection}")] HttpRequest request,
        string collection, FunctionContext context, CancellationToken cancellationToken)
    {
        var limit = QueryLimit.Parse(request, DataRecordStore.DefaultListLimit, DataRecordStore.MaxListLimit);
        var cursor = request.Query["cursor"].ToString() is { Length: > 0 } c ? c : null;
        var page = await store.ListAsync(context.GetOrgId(), collection, limit, cursor, cancellationToken).ConfigureAwait(false);
        return new JsonResult(page, ApiJson.Options);
    }

    /// <summary><c>If-Match</c> (one ETag or <c>*</c>) and <c>If-None-Match: *</c> (create only).</summary>
    private static DataPrecondition Precondition(HttpRequest request)
    {
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && ifNoneMatch != "*")
        {
            throw ApiException.InvalidRequest("If-None-Match", "only '*' (create only) is supported.");
        }

        var ifMatch = request.Headers.IfMatch.ToString();
        return new DataPrecondition(ifMatch.Length > 0 ? ifMatch : null, ifNoneMatch == "*");
    }
}
