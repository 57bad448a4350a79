using AgentFunctions.Errors;
using AgentFunctions.Middleware;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Middleware;

/// <summary>The middleware's decisions, with fakes of our policy/auditor seams and a fake <c>FunctionContext</c>.</summary>
public sealed class OrgContextMiddlewareTests
{
    private const string OrgFunction = "AgentFunctions.Functions.AuditFunctions.GetAudit";
    private const string WithoutOrgFunction = "AgentFunctions.Functions.HealthFunctions.Health";

    private readonly RecordingPolicy _policy;
    private readonly RecordingAuditor _auditor = new();
    private readonly RecordingDeadLetters _deadLetters = new();
    private int _nextCalls;

    public OrgContextMiddlewareTests() : this(null)
    {
    }

    private OrgContextMiddlewareTests(Func<OrgAccessRequest, OrgAccessGrant>? decide) => _policy = new RecordingPolicy(decide);

    [Fact]
    public async Task Invoke_MultitenancyOff_UsesDefaultOrgAndIgnoresHeader()
    {
        var context = HttpContext(("X-Org-Id", "org-b"));

        await Middleware(new TenancyOptions { MultitenancyEnabled = false }).Invoke(context, Next);

        Assert.Equal(OrgId.Parse(TenancyOptions.FallbackDefaultOrg), context.GetOrgId());
        Assert.Equal(OrgId.Parse(TenancyOptions.FallbackDefaultOrg), Assert.Single(_policy.Requests).OrgId);
        Assert.Equal(1, _nextCalls);
    }

    [Fact]
    public async Task Invoke_MultitenancyOnWithHeader_UsesHeaderOrg()
    {
        var context = HttpContext(("X-Org-Id", "org-b"));

        await Middleware(new TenancyOptions { MultitenancyEnabled = true, DefaultOrgId = "fallback" }).Invoke(context, Next);

        Assert.Equal(OrgId.Parse("org-b"), context.GetOrgId());
        Assert.Equal("key:k1", context.GetOrgContext().Principal);
        Assert.Equal((OrgId.Parse("org-b"), InvocationKind.Http), (_policy.Requests[0].OrgId, _policy.Requests[0].Kind));
        var audited = Assert.Single(_auditor.Records);
        Assert.Equal((OrgId.Parse("org-b"), "key:k1", "GetAudit", "GET /api/audit", AccessOutcome.Allowed), (audited.OrgId, audited.Principal, audited.Function, audited.Action, audited.Outcome));
    }

    [Fact]
    public async Task Invoke_NoHeaderCredentialNamesOneOrg_UsesTheCredentialsOrg()
    {
        _policy.CredentialOrg = OrgId.Parse("key-org");
        var context = HttpContext();

        await Middleware(new TenancyOptions { MultitenancyEnabled = true, DefaultOrgId = "fallback" }).Invoke(context, Next);

        Assert.Equal(OrgId.Parse("key-org"), context.GetOrgId());
        Assert.Equal(OrgId.Parse("key-org"), Assert.Single(_policy.Requests).OrgId);
    }

    [Fact]
    public async Task Invoke_HeaderAndCredentialOrg_HeaderDecidesAndThePolicyChecksIt()
    {
        _policy.CredentialOrg = OrgId.Parse("key-org");
        var context = HttpContext(("X-Org-Id", "org-b"));

        await Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, Next);

        Assert.Equal(OrgId.Parse("org-b"), Assert.Single(_policy.Requests).OrgId);
    }

    [Fact]
    public async Task Invoke_MultitenancyOnNoHeaderWithDefault_UsesDefaultOrg()
    {
        var context = HttpContext();

        await Middleware(new TenancyOptions { MultitenancyEnabled = true, DefaultOrgId = "fallback" }).Invoke(context, Next);

        Assert.Equal(OrgId.Parse("fallback"), context.GetOrgId());
        Assert.Equal(1, _nextCalls);
    }

    [Fact]
    public async Task Invoke_MultitenancyOnNoHeaderNoDefault_Refuses400OrgIdRequiredWithoutIo()
    {
        var context = HttpContext();

        var refused = await Assert.ThrowsAsync<ApiException>(() => Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, Next));

        Assert.Equal((400, ErrorCodes.OrgIdRequired), (refused.Status, refused.Code));
        AssertNothingReached(context);
    }

    [Theory]
    [InlineData("Org-1")]
    [InlineData("org-1' or PartitionKey ne '")]
    [InlineData("../org-2")]
    [InlineData(" org-1")]
    [InlineData("org-1\u0000")]
    [InlineData("-org")]
    [InlineData("org\u0131")]
    [InlineData("a123456789a123456789a123456789a123456789a123456789a123456789abcde")]
    public async Task Invoke_HostileHeader_Refuses400InvalidOrgIdWithoutIo(string header)
    {
        var context = HttpContext(("X-Org-Id", header));

        var refused = await Assert.ThrowsAsync<ApiException>(() => Middleware(new TenancyOptions { MultitenancyEnabled = true, DefaultOrgId = "fallback" }).Invoke(context, Next));

        Assert.Equal((400, ErrorCodes.InvalidOrgId), (refused.Status, refused.Code));
        AssertNothingReached(context);
    }

    [Fact]
    public async Task Invoke_PolicyRefuses_AuditedAsDeniedAndNextNotCalled()
    {
        var test = new OrgContextMiddlewareTests(_ => throw new OrgAccessDeniedException("key:k9", 403, ErrorCodes.OrgDisabled, "disabled"));
        var context = HttpContext(("X-Org-Id", "org-b"));

        var refused = await Assert.ThrowsAsync<OrgAccessDeniedException>(() => test.Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, test.Next));

        Assert.Equal(403, refused.Status);
        var audited = Assert.Single(test._auditor.Records);
        Assert.Equal((OrgId.Parse("org-b"), "key:k9", AccessOutcome.Denied, ErrorCodes.OrgDisabled, true), (audited.OrgId, audited.Principal, audited.Outcome, audited.Reason, audited.CallerIdentified));
        Assert.Equal(0, test._nextCalls);
        Assert.False(context.GetOrgContext().IsResolved);
    }

    [Fact]
    public async Task Invoke_UnidentifiedCallerRefused_AuditedAsUnidentifiedAndNextNotCalled()
    {
        var test = new OrgContextMiddlewareTests(_ => throw new ApiException(401, ErrorCodes.Unauthorized, "no credential"));
        var context = HttpContext(("X-Org-Id", "org-b"));

        var refused = await Assert.ThrowsAsync<ApiException>(() => test.Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, test.Next));

        Assert.Equal(401, refused.Status);
        var audited = Assert.Single(test._auditor.Records);
        Assert.Equal((AuditPrincipals.Unauthenticated, AccessOutcome.Denied, ErrorCodes.Unauthorized, false), (audited.Principal, audited.Outcome, audited.Reason, audited.CallerIdentified));
        Assert.Equal(0, test._nextCalls);
    }

    [Fact]
    public async Task Invoke_FunctionFailsWithProblem_AuditedAsDenied()
    {
        var context = HttpContext(("X-Org-Id", "org-b"));

        await Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, c =>
        {
            c.GetHttpContext()!.Response.StatusCode = 404;
            return Task.CompletedTask;
        });

        Assert.Equal(AccessOutcome.Denied, Assert.Single(_auditor.Records).Outcome);
    }

    [Fact]
    public async Task Invoke_FunctionThrows_AuditedAsFailedAndRethrown()
    {
        var context = HttpContext(("X-Org-Id", "org-b"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, _ => throw new InvalidOperationException("boom")));

        Assert.Equal(AccessOutcome.Failed, Assert.Single(_auditor.Records).Outcome);
    }

    [Fact]
    public async Task Invoke_WithoutOrgFunction_SkipsResolution()
    {
        var context = HttpContext(("X-Org-Id", "Not Valid"), WithoutOrgFunction);

        await Middleware(new TenancyOptions { MultitenancyEnabled = true }).Invoke(context, Next);

        Assert.Equal(1, _nextCalls);
        Assert.Empty(_policy.Requests);
        Assert.Empty(_auditor.Records);
        Assert.False(context.GetOrgContext().IsResolved);
    }

    private OrgContextMiddleware Middleware(TenancyOptions options) =>
        new(new FunctionCatalog(), Options.Create(options), _policy, _auditor, _deadLetters, [], NullLogger<OrgContextMiddleware>.Instance);

    private Task Next(FunctionContext context)
    {
        _nextCalls++;
        return Task.CompletedTask;
    }

    private void AssertNothingReached(TestFunctionContext context)
    {
        Assert.Empty(_policy.Requests);
        Assert.Empty(_auditor.Records);
        Assert.Empty(_deadLetters.Moved);
        Assert.Equal(0, _nextCalls);
        Assert.False(context.GetOrgContext().IsResolved);
    }

    private static TestFunctionContext HttpContext((string Name, string Value)? header = null, string entryPoint = OrgFunction)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Path = "/api/audit";
        if (header is { } h)
        {
            http.Request.Headers[h.Name] = h.Value;
        }

        return new TestFunctionContext(entryPoint).WithHttp(http);
    }
}
