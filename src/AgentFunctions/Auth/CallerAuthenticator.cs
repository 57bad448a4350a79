using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Auth;

/// <summary>An authenticated caller and the orgs it may act for.</summary>
internal sealed record Caller(string Principal, IReadOnlySet<OrgId> Orgs)
{
    public bool MayActFor(OrgId orgId) => Orgs.Contains(orgId);
}

/// <summary>Who is calling, from <c>X-Api-Key</c> or <c>Authorization: Bearer</c>.</summary>
internal interface ICallerAuthenticator
{
    /// <summary>The caller; throws 401 <c>unauthorized</c> when no credential is sent or it is not valid.</summary>
    ValueTask<Caller> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken);
}

internal sealed class CallerAuthenticator(IApiKeyStore keys, JwtValidator jwt) : ICallerAuthenticator
{
    public const string ApiKeyHeader = "X-Api-Key";
    private const string BearerPrefix = "Bearer ";

    public async ValueTask<Caller> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValue(ApiKeyHeader, out var apiKey))
        {
            var key = await keys.VerifyAsync(apiKey.ToString(), cancellationToken).ConfigureAwait(false)
                ?? throw Unauthorized("The API key is not valid (unknown or revoked).");
            return new Caller($"key:{key.KeyId}", new HashSet<OrgId> { key.OrgId });
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            if (!jwt.IsConfigured)
            {
                throw Unauthorized("Bearer tokens are not accepted here (no issuer is configured); send X-Api-Key.");
            }

            return await jwt.ValidateAsync(authorization[BearerPrefix.Length..].Trim(), cancellationToken).ConfigureAwait(false)
                ?? throw Unauthorized("The bearer token is not valid (signature, issuer, audience or lifetime).");
        }

        throw Unauthorized("Send an org API key in X-Api-Key or a bearer token in Authorization.");
    }

    public static ApiException Unauthorized(string detail) => new(401, ErrorCodes.Unauthorized, detail);
}
