using System.Collections.Concurrent;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Auth;

/// <summary>
/// Table <c>OrgApiKeys</c>: PartitionKey = org id, RowKey = key id, <c>Hash</c> = SHA-256 of the
/// secret, <c>CreatedAt</c>. A verified key's hash is remembered per instance for
/// <see cref="OrgsOptions.CacheSeconds"/>; revoking on this instance forgets it at once, and wins every
/// interleaving with a concurrent verification: the row is deleted first, then a revocation counter moves,
/// then the entry is dropped; a verification that read the row before the delete drops what it cached
/// when it sees the counter moved, so no revoked key stays cached after <see cref="RevokeAsync"/> returns.
/// </summary>
internal sealed class TableApiKeyStore(TableProvider tables, IOptions<OrgsOptions> options, TimeProvider time) : IApiKeyStore, IOrgDataOwner
{
    public const string TableName = "OrgApiKeys";

    /// <summary>How long a key id found missing is answered from memory (no row read for repeated made-up keys).</summary>
    internal static readonly TimeSpan MissingKeyLifetime = TimeSpan.FromSeconds(5);

    private const int MaxMissingKeys = 10_000;

    private readonly ConcurrentDictionary<(string Org, string KeyId), (byte[] Hash, long ExpiresAt)> _verified = new();

    private readonly BoundedCache<(string Org, string KeyId), bool> _missing = new(MaxMissingKeys, time);

    /// <summary>Moves after every revocation's delete (and offboarding); see the class remarks.</summary>
    private long _revocations;

    public string Area => "apiKeys";

    public async Task<ApiKeySecret.Issued> CreateAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var issued = ApiKeySecret.Issue(orgId);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.AddEntityAsync(
            new TableEntity(orgId.Value, issued.KeyId) { ["Hash"] = issued.Hash, ["CreatedAt"] = time.GetUtcNow() },
            cancellationToken).ConfigureAwait(false);
        _missing.Remove((orgId.Value, issued.KeyId));
        return issued;
    }

    public async Task<bool> RevokeAsync(OrgId orgId, string keyId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, keyId, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row.HasValue)
        {
            // The SDK reports deleting a missing entity as success, hence the read first.
            await table.DeleteEntityAsync(orgId.Value, keyId, ETag.All, cancellationToken).ConfigureAwait(false);
        }

        Forget(k => k == (orgId.Value, keyId));
        return row.HasValue;
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

        if (_missing.TryGet(cacheKey, out _))
        {
            return null;
        }

        var revocationsBefore = Interlocked.Read(ref _revocations);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(parsed.OrgId.Value, parsed.KeyId, select: ["Hash"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var stored = row.HasValue ? row.Value!.GetBinary("Hash") : null;
        if (stored is null && options.Value.CacheSeconds > 0)
        {
            _missing.Set(cacheKey, true, MissingKeyLifetime);
        }

        if (stored is null || !ApiKeySecret.Matches(parsed.Hash, stored))
        {
            return null;
        }

        if (options.Value.CacheSeconds > 0)
        {
            var entry = (stored, options.Value.CacheDeadline(time));
            _verified[cacheKey] = entry;
            if (Interlocked.Read(ref _revocations) != revocationsBefore)
            {
                // A revocation finished its delete while this read was in flight: what was read may be gone.
                _verified.TryRemove(KeyValuePair.Create(cacheKey, entry));
            }
        }

        return new ApiKeyIdentity(parsed.OrgId, parsed.KeyId);
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
        Forget(k => k.Org == orgId.Value);
    }

    /// <summary>After a delete: move the revocation counter, then drop the matching entries (the order matters).</summary>
    private void Forget(Func<(string Org, string KeyId), bool> match)
    {
        Interlocked.Increment(ref _revocations);
        foreach (var key in _verified.Keys.Where(match))
        {
            _verified.TryRemove(key, out _);
        }
    }
}
