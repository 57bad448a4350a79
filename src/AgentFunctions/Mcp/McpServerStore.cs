using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;

namespace AgentFunctions.Mcp;

/// <summary>
/// Table <c>McpServers</c>: PartitionKey = org id, RowKey = server name; <c>Url</c>, <c>Headers</c> (JSON: header name →
/// app setting name), <c>AllowedTools</c> (JSON array, absent = all). At most <see cref="MaxServersPerOrg"/> per org.
/// Changing the key scheme is a breaking change. The store is the offboarding owner of the org's definitions.
/// </summary>
internal sealed class McpServerStore(TableProvider tables) : IOrgDataOwner
{
    public const string TableName = "McpServers";
    public const int MaxServersPerOrg = 10;

    public string Area => "mcp-servers";

    /// <summary>Creates or replaces a definition; a new one beyond the org's limit is a 409.</summary>
    public async Task PutAsync(OrgId orgId, McpServerDefinition server, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var names = await NamesAsync(table, orgId, cancellationToken).ConfigureAwait(false);
        if (!names.Contains(server.Name) && names.Count >= MaxServersPerOrg)
        {
            throw ApiException.Conflict($"The org already has {MaxServersPerOrg} MCP servers, the most it may have; delete one first.");
        }

        var entity = new TableEntity(orgId.Value, server.Name)
        {
            ["Url"] = server.Url.ToString(),
            ["Headers"] = JsonSerializer.Serialize(server.Headers),
            ["AllowedTools"] = server.AllowedTools is null ? null : JsonSerializer.Serialize(server.AllowedTools),
        };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<McpServerDefinition?> FindAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        McpServerPutRequest.EnsureName(name);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? ToDefinition(found.Value!) : null;
    }

    public async Task<IReadOnlyList<McpServerDefinition>> ListAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var servers = new List<McpServerDefinition>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            servers.Add(ToDefinition(entity));
        }

        return servers;
    }

    public async Task DeleteAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        McpServerPutRequest.EnsureName(name);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteEntityAsync(orgId.Value, name, ETag.All, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<HashSet<string>> NamesAsync(TableClient table, OrgId orgId, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            names.Add(row.RowKey);
        }

        return names;
    }

    private static McpServerDefinition ToDefinition(TableEntity entity) => new(
        entity.RowKey,
        new Uri(entity.GetString("Url")),
        JsonSerializer.Deserialize<Dictionary<string, string>>(entity.GetString("Headers") ?? "{}") ?? [],
        entity.GetString("AllowedTools") is { } allowed ? JsonSerializer.Deserialize<List<string>>(allowed) : null);
}
