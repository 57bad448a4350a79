namespace AgentFunctions.Auth;

/// <summary>Bearer tokens from an OpenID Connect issuer (section <c>Auth:Jwt</c>); off while neither address is set.</summary>
internal sealed class JwtOptions
{
    /// <summary>The issuer's base URL; metadata is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The OpenID Connect metadata document (wins over <see cref="Authority"/>).</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Accepted <c>iss</c>; defaults to the issuer named in the metadata.</summary>
    public string? Issuer { get; set; }

    /// <summary>Accepted <c>aud</c> (required when JWTs are on).</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that lists the orgs the caller may act for: one string or an array.</summary>
    public string OrgClaim { get; set; } = "org_id";

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// Accepted values of the token's <c>typ</c> header, comma-separated. The default <c>at+jwt</c> (RFC 9068 access
    /// tokens) refuses an OpenID Connect ID token issued for the same audience; add <c>JWT</c> only for an issuer
    /// whose access tokens carry that type (Entra ID), where ID tokens then have to be told apart by their audience.
    /// </summary>
    public string TokenTypes { get; set; } = "at+jwt";

    public IReadOnlyList<string> ValidTypes =>
        TokenTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress);

    public Uri? MetadataUri =>
        Uri.TryCreate(!string.IsNullOrWhiteSpace(MetadataAddress) ? MetadataAddress : $"{Authority?.TrimEnd('/')}/.well-known/openid-configuration", UriKind.Absolute, out var uri)
            ? uri : null;
}
