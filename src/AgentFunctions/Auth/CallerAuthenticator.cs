using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Auth;

/// <summary>
/// An org API key comes in <c>X-Api-Key</c> or as <c>Authorization: Bearer</c> (what every OpenAI and MCP client
/// sends); a bearer value shaped like an org key (<c>afk.</c>...) is a key, anything else is a JWT. The caller is
/// kept on the request, so the org middleware's two questions (which org, may it act) authenticate once.
/// </summary>
internal sealed class CallerAuthenticator(IApiKeyStore keys, JwtValidator jwt, FailedCallerLimiter limiter) : ICallerAuthenticator
{
    public const string ApiKeyHeader = "X-Api-Key";
    private const string BearerPrefix = "Bearer ";
    private const string OrgKeyPrefix = "afk.";

    public async ValueTask<Caller> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Items.TryGetValue(typeof(Caller), out var known) && known is Caller caller)
        {
            return caller;
        }

        limiter.EnsureAllowed(request);
        try
        {
            caller = await IdentifyAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException refused) when (refused.Status == 401)
        {
            limiter.RecordFailure(request);
            throw;
        }

        request.HttpContext.Items[typeof(Caller)] = caller;
        return caller;
    }

    private async ValueTask<Caller> IdentifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValue(ApiKeyHeader, out var apiKey))
        {
            return await VerifyKeyAsync(apiKey.ToString(), cancellationToken).ConfigureAwait(false);
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization[BearerPrefix.Length..].Trim();
            if (token.StartsWith(OrgKeyPrefix, StringComparison.Ordinal))
            {
                return await VerifyKeyAsync(token, cancellationToken).ConfigureAwait(false);
            }

            if (!jwt.IsConfigured)
            {
                throw Unauthorized("The bearer value is not an org API key, and bearer tokens are not accepted here (no issuer is configured).");
            }

            return await jwt.ValidateAsync(token, cancellationToken).ConfigureAwait(false)
                ?? throw Unauthorized("The bearer token is not valid (signature, issuer, audience or lifetime).");
        }

        throw Unauthorized("Send an org API key in X-Api-Key or as Authorization: Bearer, or a bearer token.");
    }

    private async ValueTask<Caller> VerifyKeyAsync(string apiKey, CancellationToken cancellationToken)
    {
        var key = await keys.VerifyAsync(apiKey, cancellationToken).ConfigureAwait(false)
            ?? throw Unauthorized("The API key is not valid (unknown or revoked).");
        return new Caller($"key:{key.KeyId}", new HashSet<OrgId> { key.OrgId });
    }

    public static ApiException Unauthorized(string detail) => new(401, ErrorCodes.Unauthorized, detail);
}
