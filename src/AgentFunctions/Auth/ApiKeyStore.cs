using System.Collections.Concurrent;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Auth;

/// <summary>The key of an org that a presented API key proved to be.</summary>
internal sealed record ApiKeyIdentity(OrgId OrgId, string KeyId);

/// <summary>Issues, verifies and revokes org API keys.</summary>
internal interface IApiKeyStore
{
    Task<ApiKeySecret.Issued> CreateAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>False when the org has no such key.</summary>
    Task<bool> RevokeAsync(OrgId orgId, string keyId, CancellationToken cancellationToken);

    /// <summary>The key's org and id, or null for a malformed, unknown or revoked key.</summary>
    ValueTask<ApiKeyIdentity?> VerifyAsync(string? apiKey, CancellationToken cancellationToken);
}

/// <summary>
/// Table <c>OrgApiKeys</c>: PartitionKey = org id, RowKey = key id, <c>Hash</c> = SHA-256 of the
/// secret, <c>CreatedAt</c>. A verified key's hash is remembered per instance for
/// <see cref="OrgsOptions.CacheSeconds"/>; revoking on this instance forgets it at once.
/// </summary>
internal sealed class TableApiKeyStore(TableProvider tables, IOptions<OrgsOptions> options, TimeProvider time) : IApiKeyStore, IOrgDataOwner
{
    public const string TableName = "OrgApiKeys";

    private readonly ConcurrentDictionary<(string Org, string KeyId), (byte[] Hash, long ExpiresAt)> _verified = new();

    public string Area => "apiKeys";

    public async Task<ApiKeySecret.Issued> CreateAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var issued = ApiKeySecret.Issue(orgId);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.AddEntityAsync(
            new TableEntity(orgId.Value, issued.KeyId) { ["Hash"] = issued.Hash, ["CreatedAt"] = time.GetUtcNow() },
            cancellationToken).ConfigureAwait(false);
        return issued;
    }

    public async Task<bool> RevokeAsync(OrgId orgId, string keyId, CancellationToken cancellationToken)
    {
        _verified.TryRemove((orgId.Value, keyId), out _);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, keyId, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            return false;
        }

        // The SDK reports deleting a missing entity as success, hence the read first.
        await table.DeleteEntityAsync(orgId.Value, keyId, ETag.All, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask<ApiKeyIdentity?> VerifyAsync(string? apiKey, CancellationToken cancellationToken)
    {
        if (!ApiKeySecret.TryParse(apiKey, out var parsed))
        {
            return null;
        }

        var cacheKey = (parsed!.OrgId.Value, parsed.KeyId);
        if (_verified.TryGetValue(cacheKey, out var cached) && time.GetTimestamp() < cached.ExpiresAt)
        {
            // A cache hit never extends the entry: a revoked key stops working everywhere within CacheSeconds.
            return ApiKeySecret.Matches(parsed.Hash, cached.Hash) ? new ApiKeyIdentity(parsed.OrgId, parsed.KeyId) : null;
        }

        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(parsed.OrgId.Value, parsed.KeyId, select: ["Hash"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var stored = row.HasValue ? row.Value!.GetBinary("Hash") : null;
        if (stored is null || !ApiKeySecret.Matches(parsed.Hash, stored))
        {
            return null;
        }

        if (options.Value.CacheSeconds > 0)
        {
            _verified[cacheKey] = (stored, options.Value.CacheDeadline(time));
        }

        return new ApiKeyIdentity(parsed.OrgId, parsed.KeyId);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        foreach (var key in _verified.Keys.Where(k => k.Org == orgId.Value))
        {
            _verified.TryRemove(key, out _);
        }

        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }
}
