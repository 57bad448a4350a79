using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace AgentFunctions.Mcp;

public static class McpRegistration
{
    /// <summary>
    /// The org's MCP server (<c>/api/mcp</c>): the SDK's stateless Streamable HTTP transport whose tools are set per
    /// request for the request's org. Needs <c>AddAgents</c>, <c>AddKnowledge</c> and <c>AddDataStore</c>.
    /// </summary>
    public static IServiceCollection AddMcp(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(OrgMcpEndpoint)))
        {
            return services;
        }

        services.AddRouting();
        services.AddMcpServer(o => o.ServerInfo = new Implementation { Name = "AgentFunctions", Version = "1.0" })
            .WithHttpTransport(o =>
            {
                o.SessionMode = HttpServerSessionMode.Stateless;
                o.ConfigureSessionOptions = (http, options, _) =>
                {
                    var org = http.Features.Get<OrgMcpEndpoint.OrgFeature>()
                        ?? throw new InvalidOperationException("An MCP request is served only for an org admitted by the org middleware.");
                    options.ToolCollection = [.. http.RequestServices.GetRequiredService<OrgMcpTools>().For(org.OrgId)];
                    return Task.CompletedTask;
                };
            });
        services.TryAddSingleton<OrgMcpTools>();
        services.TryAddSingleton<OrgMcpEndpoint>();
        return services;
    }
}
