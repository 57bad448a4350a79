using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace AgentFunctions.Mcp;

internal static class McpRegistration
{
    /// <summary>
    /// The org's MCP server (<c>/api/mcp</c>): the SDK's stateless Streamable HTTP transport whose tools are set per
    /// request for the request's org; and the org's remote MCP servers (table <c>McpServers</c>, an offboarding owner) whose
    /// tools the agent gets. Needs <c>AddStorage</c>, <c>AddAgents</c>, <c>AddKnowledge</c> and <c>AddDataStore</c>.
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
        services.AddOptions<McpOptions>().BindConfiguration(McpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<McpServerStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, McpServerStore>(sp => sp.GetRequiredService<McpServerStore>()));
        services.TryAddSingleton<RemoteMcpClients>();
        services.TryAddSingleton<RemoteMcpTools>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentToolProvider, RemoteMcpTools>(sp => sp.GetRequiredService<RemoteMcpTools>()));
        services.TryAddSingleton<RemoteMcpServers>();
        services.TryAddSingleton<OrgMcpTools>();
        services.TryAddSingleton<OrgMcpEndpoint>();
        return services;
    }
}
