using System.Net;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Auth;

public sealed class CallerAuthenticatorTests
{
    private readonly CountingKeys _keys = new();

    private CallerAuthenticator Authenticator(int failedAttemptsPerMinute = 3)
    {
        var options = Options.Create(new AuthOptions { FailedAttemptsPerMinute = failedAttemptsPerMinute });
        return new CallerAuthenticator(_keys, new JwtValidator(options, NullLogger<JwtValidator>.Instance), new FailedCallerLimiter(options, TimeProvider.System));
    }

    private static HttpRequest Request(string address, string apiKey = "afk.org-a.0123456789abcdef0123456789abcdef.made-up", string? forwardedFor = null)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        http.Request.Headers[CallerAuthenticator.ApiKeyHeader] = apiKey;
        if (forwardedFor is not null)
        {
            http.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return http.Request;
    }

    [Fact]
    public async Task AuthenticateAsync_AddressFailedTooOften_429WithoutKeyLookupOtherAddressesUnaffected()
    {
        var authenticator = Authenticator();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(401, (await Assert.ThrowsAsync<ApiException>(async () => await authenticator.AuthenticateAsync(Request("203.0.113.7"), default))).Status);
        }

        var lookups = _keys.Lookups;
        var blocked = await Assert.ThrowsAsync<ApiException>(async () => await authenticator.AuthenticateAsync(Request("203.0.113.7"), default));
        var other = await Assert.ThrowsAsync<ApiException>(async () => await authenticator.AuthenticateAsync(Request("198.51.100.1"), default));

        Assert.Equal((429, ErrorCodes.TooManyFailedAttempts), (blocked.Status, blocked.Code));
        Assert.NotNull(blocked.RetryAfter);
        Assert.Equal(401, other.Status);
        Assert.Equal(lookups + 1, _keys.Lookups);
    }

    [Fact]
    public async Task AuthenticateAsync_ForwardedFor_CountsTheFrontEndsEntryNotTheClientsClaim()
    {
        var authenticator = Authenticator(failedAttemptsPerMinute: 1);
        await Assert.ThrowsAsync<ApiException>(async () => await authenticator.AuthenticateAsync(Request("10.0.0.1", forwardedFor: "198.51.100.9, 203.0.113.7:5000"), default));

        // A client that claims another address first is still the address the front end saw.
        var blocked = await Assert.ThrowsAsync<ApiException>(async () => await authenticator.AuthenticateAsync(Request("10.0.0.1", forwardedFor: "192.0.2.1, 203.0.113.7:6000"), default));
        var victim = await Assert.ThrowsAsync<ApiException>(async () => await authenticator.AuthenticateAsync(Request("10.0.0.1", forwardedFor: "203.0.113.8"), default));

        Assert.Equal(429, blocked.Status);
        Assert.Equal(401, victim.Status);
    }

    [Fact]
    public async Task AuthenticateAsync_ValidKeyAfterOthersFailed_NotCounted()
    {
        var authenticator = Authenticator(failedAttemptsPerMinute: 1);
        _keys.Valid = true;
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull(await authenticator.AuthenticateAsync(Request("203.0.113.7"), default));
        }
    }

    private sealed class CountingKeys : IApiKeyStore
    {
        public int Lookups { get; private set; }

        public bool Valid { get; set; }

        public Task<ApiKeySecret.Issued> CreateAsync(OrgId orgId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> RevokeAsync(OrgId orgId, string keyId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<ApiKeyIdentity?> VerifyAsync(string? apiKey, CancellationToken cancellationToken)
        {
            Lookups++;
            return ValueTask.FromResult(Valid ? new ApiKeyIdentity(OrgId.Parse("org-a"), "k") : null);
        }
    }
}
