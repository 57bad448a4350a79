using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>The API's own description: the OpenAPI document and the interactive reference page for it. Anonymous, no org.</summary>
internal sealed class OpenApiFunctions
{
    [Function(nameof(GetOpenApiDocument))]
    [WithoutOrg]
    public IActionResult GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Response.Headers.CacheControl = "no-cache";
        return new FileContentResult(OpenApiDocument.GetUtf8Json(), "application/json; charset=utf-8");
    }

    [Function(nameof(GetApiReference))]
    [WithoutOrg]
    public IActionResult GetApiReference(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request) =>
        Asset(request, ApiReferenceAssets.Page);

    [Function(nameof(GetApiReferenceAsset))]
    [WithoutOrg]
    public IActionResult GetApiReferenceAsset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs/{asset}")] HttpRequest request, string asset) =>
        asset == ApiReferenceAssets.Page ? throw ApiException.NotFound($"The file '{asset}'") : Asset(request, asset);

    private static FileContentResult Asset(HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ApiReferenceAssets.TryGet(name, out var content, out var contentType))
        {
            throw ApiException.NotFound($"The file '{name}'");
        }

        var headers = request.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ApiReferenceAssets.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        return new FileContentResult(content, contentType);
    }
}
