using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Mcp;

/// <summary>The admin operations on an org's remote MCP servers: validate (fields, then the address), store, forget the cached tool list.</summary>
public sealed class RemoteMcpServers
{
    private readonly McpServerStore _store;
    private readonly RemoteMcpTools _tools;
    private readonly IOptions<McpOptions> _options;

    internal RemoteMcpServers(McpServerStore store, RemoteMcpTools tools, IOptions<McpOptions> options)
    {
        _store = store;
        _tools = tools;
        _options = options;
    }

    public async Task<McpServerDefinition> PutAsync(OrgId orgId, string name, McpServerPutRequest? request, CancellationToken cancellationToken)
    {
        var server = (request ?? throw ApiException.InvalidRequest("url", "is required: the body is empty.")).Validate(name);
        await McpAddressGuard.EnsureAllowedAsync(server.Url, _options.Value.AllowLoopback, cancellationToken).ConfigureAwait(false);
        await _store.PutAsync(orgId, server, cancellationToken).ConfigureAwait(false);
        _tools.Invalidate(orgId);
        return server;
    }

    public async Task<McpServerDefinition> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
        await _store.FindAsync(orgId, name, cancellationToken).ConfigureAwait(false) ?? throw ApiException.NotFound($"MCP server '{name}'");

    public async Task DeleteAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        await _store.DeleteAsync(orgId, name, cancellationToken).ConfigureAwait(false);
        _tools.Invalidate(orgId);
    }
}
