using AgentFunctions.Agents;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Observability;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Orgs;

public sealed class AccessPolicyTests
{
    private static readonly OrgId OrgA = OrgId.Parse("org-a");
    private static readonly OrgId OrgB = OrgId.Parse("org-b");

    private readonly FakeRegistry _registry = new();
    private readonly FakeAuthenticator _authenticator = new();
    private readonly FakeRateLimiter _rateLimiter = new();

    private static readonly AgentMetrics Metrics = new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    [Fact]
    public async Task AuthorizeAsync_NoCredential_Returns401BeforeRegistryIsRead()
    {
        _registry.Add(OrgA);

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => AuthorizeHttpAsync(OrgA));

        Assert.Equal(401, error.Status);
        Assert.Equal(0, _registry.Reads);
    }

    [Fact]
    public async Task AuthorizeAsync_CredentialOfOtherOrg_Returns403AsForeignCredentialWithoutRevealingOrg()
    {
        _authenticator.Caller = new Caller("key:k1", new HashSet<OrgId> { OrgA });

        var error = await Assert.ThrowsAsync<OrgAccessDeniedException>(() => AuthorizeHttpAsync(OrgB));

        Assert.Equal((403, ErrorCodes.Forbidden, AuditPrincipals.ForeignCredential), (error.Status, error.Code, error.Principal));
        Assert.Equal(0, _registry.Reads);
    }

    [Fact]
    public async Task FindCredentialOrgAsync_KeyOfOneOrg_ThatOrgWithoutRegistryRead()
    {
        _authenticator.Caller = new Caller("key:k1", new HashSet<OrgId> { OrgA });

        var org = await Policy().FindCredentialOrgAsync(new DefaultHttpContext(), default);

        Assert.Equal(OrgA, org);
        Assert.Equal(0, _registry.Reads);
    }

    [Fact]
    public async Task FindCredentialOrgAsync_TokenOfSeveralOrgs_NoneSoTheDefaultApplies()
    {
        _authenticator.Caller = new Caller("jwt:s", new HashSet<OrgId> { OrgA, OrgB });

        Assert.Null(await Policy().FindCredentialOrgAsync(new DefaultHttpContext(), default));
    }

    [Fact]
    public async Task FindCredentialOrgAsync_AuthenticationOff_NoneAndNoCredentialRead()
    {
        Assert.Null(await Policy(authEnabled: false).FindCredentialOrgAsync(new DefaultHttpContext(), default));
        Assert.Equal(0, _authenticator.Calls);
    }

    [Fact]
    public async Task FindCredentialOrgAsync_InvalidCredential_401()
    {
        var error = await Assert.ThrowsAnyAsync<ApiException>(() => Policy().FindCredentialOrgAsync(new DefaultHttpContext(), default).AsTask());

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task AuthorizeAsync_OwnCredentialRegisteredOrg_GrantsWithPrincipal()
    {
        _registry.Add(OrgA);
        _authenticator.Caller = new Caller("key:k1", new HashSet<OrgId> { OrgA });

        var grant = await AuthorizeHttpAsync(OrgA);

        Assert.Equal("key:k1", grant.Principal);
    }

    [Fact]
    public async Task AuthorizeAsync_UnregisteredOrg_Returns404OrgNotFound()
    {
        _authenticator.Caller = new Caller("jwt:alice", new HashSet<OrgId> { OrgA });

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => AuthorizeHttpAsync(OrgA));

        Assert.Equal((404, ErrorCodes.OrgNotFound), (error.Status, error.Code));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task AuthorizeAsync_DisabledOrDeletingOrg_Returns403OrgDisabled(bool enabled, bool deleting)
    {
        _registry.Add(OrgA, enabled: enabled, deleting: deleting);
        _authenticator.Caller = new Caller("key:k1", new HashSet<OrgId> { OrgA });

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => AuthorizeHttpAsync(OrgA));

        Assert.Equal((403, ErrorCodes.OrgDisabled), (error.Status, error.Code));
    }

    [Fact]
    public async Task AuthorizeAsync_AuthDisabled_AnonymousForRegisteredOrgOnly()
    {
        _registry.Add(OrgA);

        var grant = await AuthorizeHttpAsync(OrgA, authEnabled: false);
        var error = await Assert.ThrowsAnyAsync<ApiException>(() => AuthorizeHttpAsync(OrgB, authEnabled: false));

        Assert.Equal("anonymous", grant.Principal);
        Assert.Equal(404, error.Status);
        Assert.Equal(0, _authenticator.Calls);
    }

    [Fact]
    public async Task AuthorizeAsync_RequestsPerMinuteUsedUp_Returns429WithRetryAfter()
    {
        _registry.Add(OrgA, quotas: new OrgQuotas(RequestsPerMinute: 2));
        _authenticator.Caller = new Caller("key:k1", new HashSet<OrgId> { OrgA });
        _rateLimiter.Allow = false;

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => AuthorizeHttpAsync(OrgA));

        Assert.Equal((429, ErrorCodes.QuotaExceeded), (error.Status, error.Code));
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.Equal((OrgA, 2), _rateLimiter.LastCall);
    }

    [Fact]
    public async Task AuthorizeAsync_NoRequestQuota_RateLimiterNotAsked()
    {
        _registry.Add(OrgA);
        _authenticator.Caller = new Caller("key:k1", new HashSet<OrgId> { OrgA });

        await AuthorizeHttpAsync(OrgA);

        Assert.Null(_rateLimiter.LastCall);
    }

    [Fact]
    public async Task AuthorizeAsync_QueueMessageForDisabledOrg_Refused()
    {
        _registry.Add(OrgA, enabled: false);

        var error = await Assert.ThrowsAnyAsync<ApiException>(() => Policy().AuthorizeAsync(new OrgAccessRequest(null!, InvocationKind.Queue, OrgA, null), default).AsTask());

        Assert.Equal(403, error.Status);
        Assert.Equal(0, _authenticator.Calls);
    }

    [Fact]
    public async Task AuthorizeAsync_QueueMessageForActiveOrg_GrantsQueuePrincipal()
    {
        _registry.Add(OrgA);

        var grant = await Policy().AuthorizeAsync(new OrgAccessRequest(null!, InvocationKind.Queue, OrgA, null), default);

        Assert.Equal("queue", grant.Principal);
    }

    [Fact]
    public async Task SettingsSource_OrgOverrides_WinOverDefaultsAndVersionFollows()
    {
        _registry.Add(OrgA, model: new OrgModelSettings("org-model", 0.1f, null, new Uri("https://a.example/"), "A_KEY"), systemPrompt: "Org prompt.", version: 7);
        var source = new RegistryAgentSettingsSource(_registry, new FixedDefaults(new OrgAgentSettings("Default prompt.", "default-model", 0.7f, 300)));

        var settings = await source.GetAsync(OrgA, default);
        var unregistered = await source.GetAsync(OrgB, default);

        Assert.Equal(new OrgAgentSettings("Org prompt.", "org-model", 0.1f, 300, new Uri("https://a.example/"), "A_KEY", 7), settings);
        Assert.Equal(new OrgAgentSettings("Default prompt.", "default-model", 0.7f, 300), unregistered);
    }

    private Task<OrgAccessGrant> AuthorizeHttpAsync(OrgId orgId, bool authEnabled = true) =>
        Policy(authEnabled).AuthorizeAsync(new OrgAccessRequest(null!, InvocationKind.Http, orgId, new DefaultHttpContext()), default).AsTask();

    private RegistryOrgAccessPolicy Policy(bool authEnabled = true) =>
        new(_registry, _authenticator, _rateLimiter, Options.Create(new AuthOptions { Enabled = authEnabled }), Metrics, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RegistryOrgAccessPolicy>.Instance);

    private sealed class FakeRegistry : IOrgRegistry
    {
        private readonly Dictionary<OrgId, OrgRecord> _orgs = [];

        public int Reads { get; private set; }

        public void Add(OrgId orgId, bool enabled = true, bool deleting = false, OrgQuotas? quotas = null, OrgModelSettings? model = null, string? systemPrompt = null, long version = 1) =>
            _orgs[orgId] = new OrgRecord(orgId, new OrgDefinition(orgId.Value, systemPrompt, model ?? new OrgModelSettings(), quotas ?? new OrgQuotas(), enabled),
                deleting, Registered: true, version, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

        public ValueTask<OrgRecord?> FindAsync(OrgId orgId, CancellationToken cancellationToken)
        {
            Reads++;
            return ValueTask.FromResult(_orgs.GetValueOrDefault(orgId));
        }

        public Task<OrgRecord?> GetAsync(OrgId orgId, CancellationToken cancellationToken) => FindAsync(orgId, cancellationToken).AsTask();

        public Task<IReadOnlyList<OrgRecord>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<OrgRecord> PutAsync(OrgId orgId, OrgDefinition definition, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<OrgRecord?> MarkDeletingAsync(OrgId orgId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveAsync(OrgId orgId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class FakeAuthenticator : ICallerAuthenticator
    {
        public Caller? Caller { get; set; }

        public int Calls { get; private set; }

        public ValueTask<Caller> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            return Caller is null ? throw new ApiException(401, ErrorCodes.Unauthorized, "no credential") : ValueTask.FromResult(Caller);
        }
    }

    private sealed class FakeRateLimiter : IRequestRateLimiter
    {
        public bool Allow { get; set; } = true;

        public (OrgId, int)? LastCall { get; private set; }

        public Task<bool> TryAcquireAsync(OrgId orgId, int requestsPerMinute, CancellationToken cancellationToken)
        {
            LastCall = (orgId, requestsPerMinute);
            return Task.FromResult(Allow);
        }
    }

    private sealed class FixedDefaults(OrgAgentSettings settings) : IOrgAgentSettingsSource
    {
        public ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken) => ValueTask.FromResult(settings);
    }
}
