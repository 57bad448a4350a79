using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Mcp;

/// <summary>The admin operations on an org's remote MCP servers: validate (fields, then the address), store, forget the cached tool list.</summary>
internal sealed class RemoteMcpServers(McpServerStore store, RemoteMcpTools tools, IOptions<McpOptions> options)
{
    public async Task<McpServerDefinition> PutAsync(OrgId orgId, string name, McpServerPutRequest? request, CancellationToken cancellationToken)
    {
        var server = (request ?? throw ApiException.InvalidRequest("url", "is required: the body is empty.")).Validate(name);
        await McpAddressGuard.EnsureAllowedAsync(server.Url, options.Value.AllowLoopback, cancellationToken).ConfigureAwait(false);
        await store.PutAsync(orgId, server, cancellationToken).ConfigureAwait(false);
        tools.Invalidate(orgId);
        return server;
    }

    public async Task<McpServerDefinition> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
        await store.FindAsync(orgId, name, cancellationToken).ConfigureAwait(false) ?? throw ApiException.NotFound($"MCP server '{name}'");

    public async Task DeleteAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(orgId, name, cancellationToken).ConfigureAwait(false);
        tools.Invalidate(orgId);
    }
}
