using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AgentFunctions.Auth;

/// <summary>
/// Validates bearer tokens against the configured OpenID Connect issuer: signature (keys from the
/// metadata's JWKS, refreshed once when a token names an unknown key; only the asymmetric algorithms in
/// <see cref="AcceptedAlgorithms"/>, never <c>none</c> or an HMAC keyed with a public key), token type
/// (<c>typ</c>, <see cref="JwtOptions.TokenTypes"/>: an ID token is not an access token), issuer, audience, lifetime (<c>exp</c> required). The orgs come from <see cref="JwtOptions.OrgClaim"/> (a string
/// or an array of strings). When the issuer's metadata cannot be read (and no earlier copy is cached),
/// no token can be checked: 503 <c>auth_unavailable</c> with <c>Retry-After</c>, not a 500 and not a 401
/// that would tell the client its token is bad.
/// </summary>
internal sealed partial class JwtValidator
{
    /// <summary>RS256 (what Entra ID and most issuers sign with), RSA-PSS and ECDSA. RS384/RS512 are not accepted.</summary>
    public static readonly IReadOnlyList<string> AcceptedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private static readonly TimeSpan UnavailableRetryAfter = TimeSpan.FromSeconds(30);

    private readonly JwtOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly JsonWebTokenHandler _handler = new();

    private readonly ILogger _logger;

    public JwtValidator(IOptions<AuthOptions> options, ILogger<JwtValidator> logger)
    {
        _options = options.Value.Jwt;
        _logger = logger;
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
        var configuration = await MetadataAsync(cancellationToken).ConfigureAwait(false);
        var parameters = new TokenValidationParameters
        {
            ValidAlgorithms = AcceptedAlgorithms,
            ValidTypes = _options.ValidTypes,
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

    private async Task<OpenIdConnectConfiguration> MetadataAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _metadata!.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            LogMetadataUnavailable(_logger, e, _options.MetadataUri!.AbsoluteUri);
            throw new ApiException(503, ErrorCodes.AuthUnavailable,
                "Bearer tokens cannot be checked right now (the token issuer's metadata is unavailable); retry later or send X-Api-Key.", UnavailableRetryAfter);
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "The OpenID Connect metadata at {MetadataAddress} could not be read; bearer tokens are refused with 503")]
    private static partial void LogMetadataUnavailable(ILogger logger, Exception exception, string metadataAddress);
}
