using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>
/// The org's agent definitions in table <c>Agents</c> (changing the scheme is a breaking change for stored data):
/// PartitionKey = org id, RowKey = agent name (<c>^[a-z0-9][a-z0-9-]{0,63}$</c>: no key character is forbidden);
/// <c>Instructions</c> (≤ 16,000 characters), <c>Definition</c> (the other fields as compact JSON, ≤ 20,000 characters
/// with a 16,000-character <c>responseFormat</c>), <c>UpdatedAt</c>. One definition is one entity, written in one
/// operation under the table's ETag; an org holds at most a few dozen, so "all of the org's agents" is one partition read.
/// </summary>
internal sealed partial class AgentDefinitionStore(TableProvider tables, TimeProvider time, IOptions<AgentOptions> options, ILogger<AgentDefinitionStore> logger) : IOrgDataOwner
{
    public const string TableName = "Agents";

    /// <summary>What runs read (a miss too), per org and name; every write on this instance removes its entry.</summary>
    private readonly BoundedCache<(OrgId OrgId, string Name), RunDefinition> _forRuns = new(options.Value.CacheSize, time);

    /// <summary>Counts writes on this instance, so a read that raced a write is not cached.</summary>
    private long _writes;

    public string Area => "agents";

    /// <summary>
    /// The definition a run uses: read once per <see cref="AgentOptions.DefinitionCacheSeconds"/> on this instance. A write
    /// on this instance is seen by the next run; one on another instance within that time.
    /// </summary>
    public async Task<StoredAgentDefinition?> FindForRunAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        AgentDefinitionRules.EnsureName(name);
        if (_forRuns.TryGet((orgId, name), out var cached))
        {
            return cached.Definition;
        }

        var writesBefore = Interlocked.Read(ref _writes);
        var found = await GetAsync(orgId, name, cancellationToken).ConfigureAwait(false);
        if (options.Value.DefinitionCacheSeconds > 0 && Interlocked.Read(ref _writes) == writesBefore)
        {
            _forRuns.Set((orgId, name), new RunDefinition(found), TimeSpan.FromSeconds(options.Value.DefinitionCacheSeconds));
        }

        return found;
    }

    public async Task<StoredAgentDefinition?> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        AgentDefinitionRules.EnsureName(name);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? ToStored(found.Value!) : null;
    }

    /// <summary>Every stored definition of the org in name order (one partition; an org holds at most <c>Agent__MaxAgentsPerOrg</c>).</summary>
    public async Task<IReadOnlyList<StoredAgentDefinition>> ListAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var all = new List<StoredAgentDefinition>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            all.Add(ToStored(entity));
        }

        return all;
    }

    /// <summary>
    /// Writes a definition: <paramref name="ifMatch"/> (an ETag or <c>*</c>) must match the stored one, <paramref name="createOnly"/>
    /// requires that none is stored; a mismatch is 412 with nothing changed. Returns the stored form with its new ETag.
    /// </summary>
    public async Task<StoredAgentDefinition> PutAsync(OrgId orgId, AgentDefinition definition, ETag? ifMatch, bool createOnly, CancellationToken cancellationToken)
    {
        var updatedAt = time.GetUtcNow();
        var entity = new TableEntity(orgId.Value, definition.Name)
        {
            ["Instructions"] = definition.Instructions,
            ["Definition"] = JsonSerializer.Serialize(definition with { Name = string.Empty, Instructions = null }, ApiJson.Options),
            ["UpdatedAt"] = updatedAt,
        };
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        Changed(orgId, definition.Name);
        Response response;
        try
        {
            response = createOnly ? await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : ifMatch is { } etag ? await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false)
                : await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            throw PreconditionFailed(definition.Name);
        }

        Changed(orgId, definition.Name);
        LogWritten(logger, orgId.Value, definition.Name);
        return new StoredAgentDefinition(definition, response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("Table Storage returned no ETag."), updatedAt);
    }

    /// <summary>Deletes a definition; false when none was stored. A mismatched <paramref name="ifMatch"/> is 412.</summary>
    public async Task<bool> DeleteAsync(OrgId orgId, string name, ETag? ifMatch, CancellationToken cancellationToken)
    {
        AgentDefinitionRules.EnsureName(name);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        Changed(orgId, name);
        try
        {
            var response = await table.DeleteEntityAsync(orgId.Value, name, ifMatch ?? ETag.All, cancellationToken).ConfigureAwait(false);
            if (response.Status == 404)
            {
                return ifMatch is null ? false : throw PreconditionFailed(name);
            }
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412 && ifMatch is not null)
        {
            throw PreconditionFailed(name);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }

        Changed(orgId, name);
        LogDeleted(logger, orgId.Value, name);
        return true;
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _writes);
        _forRuns.RemoveWhere(key => key.OrgId == orgId);
        var deleted = await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
        _forRuns.RemoveWhere(key => key.OrgId == orgId);
        LogDeletedAll(logger, orgId.Value, deleted);
    }

    /// <summary>Before and after a write: a run reading meanwhile does not cache what it read, and the entry is gone.</summary>
    private void Changed(OrgId orgId, string name)
    {
        Interlocked.Increment(ref _writes);
        _forRuns.Remove((orgId, name));
    }

    private static StoredAgentDefinition ToStored(TableEntity entity)
    {
        var definition = JsonSerializer.Deserialize<AgentDefinition>(entity.GetString("Definition") ?? "{}", ApiJson.Options)
            ?? throw new InvalidOperationException("A stored agent definition is empty.");
        return new StoredAgentDefinition(
            definition with { Name = entity.RowKey, Instructions = entity.GetString("Instructions") },
            entity.ETag.ToString(),
            entity.GetDateTimeOffset("UpdatedAt"));
    }

    private static ApiException PreconditionFailed(string name) =>
        new(412, ErrorCodes.PreconditionFailed, $"Agent '{name}' does not match the request's precondition (If-Match / If-None-Match); read it again and retry.");

    private sealed record RunDefinition(StoredAgentDefinition? Definition);

    [LoggerMessage(EventId = 1910, Level = LogLevel.Information, Message = "Agent {AgentName} written for org {OrgId}")]
    private static partial void LogWritten(ILogger logger, string orgId, string agentName);

    [LoggerMessage(EventId = 1911, Level = LogLevel.Information, Message = "Agent {AgentName} deleted for org {OrgId}")]
    private static partial void LogDeleted(ILogger logger, string orgId, string agentName);

    [LoggerMessage(EventId = 1912, Level = LogLevel.Information, Message = "Deleted {Count} agent definitions of org {OrgId}")]
    private static partial void LogDeletedAll(ILogger logger, string orgId, int count);
}
