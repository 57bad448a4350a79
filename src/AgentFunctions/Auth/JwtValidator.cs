using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AgentFunctions.Auth;

/// <summary>
/// Validates bearer tokens against the configured OpenID Connect issuer: signature (keys from the
/// metadata's JWKS, refreshed once when a token names an unknown key), issuer, audience, lifetime.
/// The orgs come from <see cref="JwtOptions.OrgClaim"/> (a string or an array of strings).
/// </summary>
internal sealed class JwtValidator
{
    private readonly JwtOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly JsonWebTokenHandler _handler = new();

    public JwtValidator(IOptions<AuthOptions> options)
    {
        _options = options.Value.Jwt;
        if (_options.IsConfigured && _options.MetadataUri is { } metadata)
        {
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(
                metadata.AbsoluteUri,
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever { RequireHttps = _options.RequireHttpsMetadata });
        }
    }

    public bool IsConfigured => _metadata is not null;

    /// <summary>The caller the token proves, or null when it is not valid here.</summary>
    public async Task<Caller?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (_metadata is null || !_handler.CanReadToken(token))
        {
            return null;
        }

        var result = await ValidateOnceAsync(token, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            _metadata.RequestRefresh();
            result = await ValidateOnceAsync(token, cancellationToken).ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            return null;
        }

        var orgs = new HashSet<OrgId>();
        foreach (var claim in result.ClaimsIdentity.FindAll(_options.OrgClaim))
        {
            if (OrgId.TryParse(claim.Value, out var orgId))
            {
                orgs.Add(orgId);
            }
        }

        var subject = result.ClaimsIdentity.FindFirst("sub")?.Value ?? result.ClaimsIdentity.FindFirst("oid")?.Value ?? "unknown";
        return new Caller($"jwt:{subject}", orgs);
    }

    private async Task<TokenValidationResult> ValidateOnceAsync(string token, CancellationToken cancellationToken)
    {
        var configuration = await _metadata!.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = string.IsNullOrWhiteSpace(_options.Issuer) ? configuration.Issuer : _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = TimeSpan.FromMinutes(2),
        };
        return await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
    }
}
