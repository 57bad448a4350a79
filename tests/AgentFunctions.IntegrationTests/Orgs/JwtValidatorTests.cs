using System.Security.Cryptography;
using System.Text.Json;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentFunctions.IntegrationTests.Orgs;

/// <summary>A real OpenID Connect metadata + JWKS server on 127.0.0.1 with a locally generated RSA key.</summary>
public sealed class TestIssuer : IAsyncLifetime
{
    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication? _app;

    public const string Audience = "api://agentfunctions-test";

    public string Issuer { get; private set; } = "";

    public string MetadataAddress => $"{Issuer}/.well-known/openid-configuration";

    public RsaSecurityKey Key => new(_rsa) { KeyId = "test-key-1" };

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = $"{Issuer}/keys",
        }));
        _app.MapGet("/keys", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_rsa.ExportParameters(false)) { KeyId = "test-key-1" });
            return Results.Text(JsonSerializer.Serialize(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } }), "application/json");
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Issuer = address.TrimEnd('/');
    }

    public string Token(object orgClaim, string audience = Audience, SecurityKey? key = null, DateTime? expires = null, string? issuer = null, string algorithm = SecurityAlgorithms.RsaSha256, string type = "at+jwt") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            Claims = new Dictionary<string, object> { ["sub"] = "alice", ["org_id"] = orgClaim },
            SigningCredentials = new SigningCredentials(key ?? Key, algorithm),
            TokenType = type,
        });

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }
}

public sealed class JwtValidatorTests(TestIssuer issuer) : IClassFixture<TestIssuer>
{
    private JwtValidator Validator(string? metadataAddress = null, string tokenTypes = "at+jwt") => new(Options.Create(new AuthOptions
    {
        Jwt = new JwtOptions { MetadataAddress = metadataAddress ?? issuer.MetadataAddress, Audience = TestIssuer.Audience, RequireHttpsMetadata = false, TokenTypes = tokenTypes },
    }), NullLogger<JwtValidator>.Instance);

    [Fact]
    public async Task ValidateAsync_IdTokenTypeUnderDefaultSetting_ReturnsNull()
    {
        var validator = Validator(tokenTypes: new JwtOptions().TokenTypes);

        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", type: "JWT"), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", type: ""), default));
        Assert.NotNull(await validator.ValidateAsync(issuer.Token("org-a", type: "at+jwt"), default));
    }

    [Fact]
    public async Task ValidateAsync_JwtTypeConfigured_AcceptsBothConfiguredTypes()
    {
        var validator = Validator(tokenTypes: "at+jwt, JWT");

        Assert.NotNull(await validator.ValidateAsync(issuer.Token("org-a", type: "JWT"), default));
        Assert.NotNull(await validator.ValidateAsync(issuer.Token("org-a", type: "at+jwt"), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", type: "id+jwt"), default));
    }

    [Fact]
    public async Task ValidateAsync_OrgClaimArray_CallerMayActForEachOrg()
    {
        var caller = await Validator().ValidateAsync(issuer.Token(new[] { "org-a", "org-b" }), default);

        Assert.Equal("jwt:alice", caller!.Principal);
        Assert.True(caller.MayActFor(OrgId.Parse("org-a")));
        Assert.True(caller.MayActFor(OrgId.Parse("org-b")));
        Assert.False(caller.MayActFor(OrgId.Parse("org-c")));
    }

    [Fact]
    public async Task ValidateAsync_OrgClaimSingleString_CallerMayActForThatOrgOnly()
    {
        var caller = await Validator().ValidateAsync(issuer.Token("org-a"), default);

        Assert.Equal([OrgId.Parse("org-a")], caller!.Orgs);
    }

    [Fact]
    public async Task ValidateAsync_WrongAudienceIssuerKeyOrExpired_ReturnsNull()
    {
        using var otherRsa = RSA.Create(2048);
        var validator = Validator();

        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", audience: "api://someone-else"), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", issuer: "http://evil.example"), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", key: new RsaSecurityKey(otherRsa) { KeyId = "test-key-1" }), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", expires: DateTime.UtcNow.AddMinutes(-10)), default));
        Assert.Null(await validator.ValidateAsync("not.a.jwt", default));
    }

    [Fact]
    public async Task ValidateAsync_UnsignedToken_ReturnsNull()
    {
        var unsigned = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer.Issuer,
            Audience = TestIssuer.Audience,
            Expires = DateTime.UtcNow.AddMinutes(10),
            Claims = new Dictionary<string, object> { ["sub"] = "mallory", ["org_id"] = "org-a" },
            TokenType = "at+jwt",
        });

        Assert.Null(await Validator().ValidateAsync(unsigned, default));
    }

    [Fact]
    public async Task ValidateAsync_IssuerKeyWithUnpinnedAlgorithm_ReturnsNull()
    {
        var validator = Validator();

        Assert.NotNull(await validator.ValidateAsync(issuer.Token("org-a", algorithm: SecurityAlgorithms.RsaSsaPssSha256), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", algorithm: SecurityAlgorithms.RsaSha512), default));
        Assert.Null(await validator.ValidateAsync(issuer.Token("org-a", algorithm: SecurityAlgorithms.RsaSha384), default));
    }

    [Fact]
    public async Task ValidateAsync_TokenWithoutExpiry_ReturnsNull()
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer.Issuer,
            Audience = TestIssuer.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "alice", ["org_id"] = "org-a" },
            SigningCredentials = new SigningCredentials(issuer.Key, SecurityAlgorithms.RsaSha256),
            TokenType = "at+jwt",
        });

        Assert.Null(await Validator().ValidateAsync(token, default));
    }

    [Fact]
    public async Task ValidateAsync_MetadataUnreachable_Throws503AuthUnavailable()
    {
        using var nothingListening = new RefusedPort();
        var validator = Validator($"http://127.0.0.1:{nothingListening.Port}/.well-known/openid-configuration");

        var refused = await Assert.ThrowsAsync<ApiException>(() => validator.ValidateAsync(issuer.Token("org-a"), default));

        Assert.Equal((503, ErrorCodes.AuthUnavailable), (refused.Status, refused.Code));
        Assert.NotNull(refused.RetryAfter);
    }

    [Fact]
    public async Task ValidateAsync_MetadataAnswersError_Throws503AuthUnavailable()
    {
        var validator = Validator($"{issuer.Issuer}/no-such-metadata");

        var refused = await Assert.ThrowsAsync<ApiException>(() => validator.ValidateAsync(issuer.Token("org-a"), default));

        Assert.Equal((503, ErrorCodes.AuthUnavailable), (refused.Status, refused.Code));
    }
}
