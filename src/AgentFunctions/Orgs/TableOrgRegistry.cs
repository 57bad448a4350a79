using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Serialization;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Orgs;

/// <summary>
/// Table <c>Orgs</c>: PartitionKey <c>orgs</c>, RowKey = org id; <c>Settings</c> holds the
/// <see cref="OrgDefinition"/> as JSON, plus <c>Enabled</c>, <c>Deleting</c>, <c>Version</c>,
/// <c>CreatedAt</c>, <c>UpdatedAt</c>. Changing this key scheme is a breaking change.
/// </summary>
internal sealed class TableOrgRegistry(
    TableProvider tables,
    IOptions<OrgsOptions> options,
    IOptions<TenancyOptions> tenancy,
    TimeProvider time) : IOrgRegistry
{
    public const string TableName = "Orgs";
    private const string Partition = "orgs";
    /// <summary>Registered orgs one instance keeps (least recently used evicted first).</summary>
    internal const int MaxCachedOrgs = 10_000;

    /// <summary>
    /// Ids found unregistered, kept apart from the registered ones: a caller looking up made-up ids only evicts
    /// other made-up ids, never an org's entry.
    /// </summary>
    internal const int MaxCachedNotFound = 1_000;

    private const int MaxAttempts = 8;

    private readonly BoundedCache<OrgId, OrgRecord> _found = new(MaxCachedOrgs, time);
    private readonly BoundedCache<OrgId, bool> _notFound = new(MaxCachedNotFound, time);

    public async ValueTask<OrgRecord?> FindAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        if (_found.TryGet(orgId, out var org))
        {
            return org;
        }

        if (_notFound.TryGet(orgId, out _))
        {
            return null;
        }

        return await GetAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<OrgRecord?> GetAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, orgId.Value, cancellationToken: cancellationToken).ConfigureAwait(false);
        var org = row.HasValue ? ToRecord(orgId, row.Value!) : IsDefault(orgId) ? OrgRecord.Implicit(orgId) : null;
        Remember(orgId, org);
        return org;
    }

    public async Task<IReadOnlyList<OrgRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken).ConfigureAwait(false);
        var orgs = new List<OrgRecord>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (OrgId.TryParse(row.RowKey, out var orgId))
            {
                orgs.Add(ToRecord(orgId, row));
            }
        }

        if (tenancy.Value.DefaultOrg is { } defaultOrg && orgs.TrueForAll(o => o.OrgId != defaultOrg))
        {
            orgs.Add(OrgRecord.Implicit(defaultOrg));
        }

        return orgs.OrderBy(o => o.OrgId.Value, StringComparer.Ordinal).ToList();
    }

    public async Task<OrgRecord> PutAsync(OrgId orgId, OrgDefinition definition, CancellationToken cancellationToken) =>
        (await ChangeAsync(orgId, current =>
        {
            if (current?.Deleting == true)
            {
                throw ApiException.Conflict($"Org '{orgId.Value}' is being deleted; register it again once the deletion has finished.");
            }

            return (definition, false);
        }, cancellationToken).ConfigureAwait(false))!;

    public Task<OrgRecord?> MarkDeletingAsync(OrgId orgId, CancellationToken cancellationToken) =>
        ChangeAsync(orgId, current =>
            current is not null ? (current.Definition, true)
            : IsDefault(orgId) ? (OrgRecord.Implicit(orgId).Definition, true)
            : ((OrgDefinition, bool)?)null, cancellationToken);

    public async Task RemoveAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, orgId.Value, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row.HasValue && row.Value!.GetBoolean("Deleting") == true)
        {
            try
            {
                await table.DeleteEntityAsync(row.Value, row.Value.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 404)
            {
            }
        }

        _found.Remove(orgId);
        _notFound.Remove(orgId);
    }

    /// <summary>Read-modify-write of one row under If-Match, retried when another writer got there first.</summary>
    private async Task<OrgRecord?> ChangeAsync(OrgId orgId, Func<OrgRecord?, (OrgDefinition Definition, bool Deleting)?> change, CancellationToken cancellationToken)
    {
        var table = await Table(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, orgId.Value, cancellationToken: cancellationToken).ConfigureAwait(false);
            var current = row.HasValue ? ToRecord(orgId, row.Value!) : null;
            if (change(current) is not { } next)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var entity = new TableEntity(Partition, orgId.Value)
            {
                ["Settings"] = JsonSerializer.Serialize(next.Definition, ApiJson.Options),
                ["Enabled"] = next.Definition.Enabled,
                ["Deleting"] = next.Deleting,
                ["Version"] = (current?.Version ?? 0) + 1,
                ["CreatedAt"] = current?.CreatedAt ?? now,
                ["UpdatedAt"] = now,
            };
            try
            {
                if (row.HasValue)
                {
                    await table.UpdateEntityAsync(entity, row.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < MaxAttempts)
            {
                continue;
            }

            var stored = ToRecord(orgId, entity);
            Remember(orgId, stored);
            return stored;
        }
    }

    private void Remember(OrgId orgId, OrgRecord? org)
    {
        if (options.Value.CacheSeconds == 0)
        {
            return;
        }

        if (org is null)
        {
            _found.Remove(orgId);
            _notFound.Set(orgId, true, options.Value.CacheDuration);
        }
        else
        {
            _notFound.Remove(orgId);
            _found.Set(orgId, org, options.Value.CacheDuration);
        }
    }

    private bool IsDefault(OrgId orgId) => tenancy.Value.DefaultOrg == orgId;

    private static OrgRecord ToRecord(OrgId orgId, TableEntity row)
    {
        var definition = JsonSerializer.Deserialize<OrgDefinition>(row.GetString("Settings") ?? "{}", ApiJson.Options)
            ?? throw new InvalidOperationException($"The registry row of org '{orgId.Value}' has no settings.");
        return new OrgRecord(orgId, definition, row.GetBoolean("Deleting") == true, Registered: true,
            row.GetInt64("Version") ?? 0, row.GetDateTimeOffset("CreatedAt") ?? default, row.GetDateTimeOffset("UpdatedAt") ?? default);
    }

    private Task<TableClient> Table(CancellationToken cancellationToken) => tables.GetAsync(TableName, cancellationToken);
}
