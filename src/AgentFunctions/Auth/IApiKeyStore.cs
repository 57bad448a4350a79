using AgentFunctions.Tenancy;

namespace AgentFunctions.Auth;

/// <summary>Issues, verifies and revokes org API keys.</summary>
internal interface IApiKeyStore
{
    Task<ApiKeySecret.Issued> CreateAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>False when the org has no such key.</summary>
    Task<bool> RevokeAsync(OrgId orgId, string keyId, CancellationToken cancellationToken);

    /// <summary>The key's org and id, or null for a malformed, unknown or revoked key.</summary>
    ValueTask<ApiKeyIdentity?> VerifyAsync(string? apiKey, CancellationToken cancellationToken);
}
