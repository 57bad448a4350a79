using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentFunctions.Mcp;

/// <summary>
/// Hosts the SDK's own Streamable HTTP endpoint (<c>MapMcp</c>, stateless) inside an HTTP function: <c>MapMcp</c> is
/// applied to a private <see cref="IEndpointRouteBuilder"/> once, and the function calls the POST endpoint's request
/// delegate with its own <see cref="HttpContext"/> after the org middleware has authenticated the caller. The SDK
/// reads the JSON-RPC message, checks the protocol headers, runs a fresh server for the request and answers as
/// server-sent events; the server's tools are the caller's org's (<see cref="McpRegistration"/> sets them per request
/// from <see cref="OrgFeature"/>).
/// </summary>
internal sealed class OrgMcpEndpoint(IServiceProvider services)
{
    private readonly Lazy<RequestDelegate> _post = new(() => MapPost(services));

    public Task HandlePostAsync(OrgId orgId, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Features.Set(new OrgFeature(orgId));
        return _post.Value(http);
    }

    private static RequestDelegate MapPost(IServiceProvider services)
    {
        var endpoints = new EndpointCollector(services);
        endpoints.MapMcp();
        return endpoints.DataSources.SelectMany(source => source.Endpoints)
            .Single(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Post) == true)
            .RequestDelegate ?? throw new InvalidOperationException("The MCP endpoint has no request delegate.");
    }

    /// <summary>The org of the request being served (set by the function after the org middleware admitted it).</summary>
    internal sealed record OrgFeature(OrgId OrgId);

    private sealed class EndpointCollector(IServiceProvider services) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => services;

        public ICollection<EndpointDataSource> DataSources { get; } = [];

        public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(services);
    }
}
