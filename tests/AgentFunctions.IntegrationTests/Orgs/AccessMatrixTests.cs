using System.Reflection;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Middleware;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Orgs;

/// <summary>
/// Every HTTP function of the app × {no credential, garbage, other org's key, own key (as X-Api-Key and as
/// bearer), admin key, own/other org's token}: the decision the real policy (registry, keys and JWTs against Azurite and
/// a local issuer) or the admin guard takes. Functions are found by reflection, so a new endpoint
/// is in the matrix without editing it.
/// </summary>
public sealed class AccessMatrixTests : IClassFixture<AzuriteFixture>, IClassFixture<TestIssuer>, IAsyncLifetime
{
    private const string AdminKey = "matrix-admin-key-0123456789abcdefghijklmnop";
    private static readonly OrgId Own = OrgId.Parse("matrix-own");
    private static readonly OrgId Other = OrgId.Parse("matrix-other");
    private readonly TestIssuer _issuer;
    private readonly ServiceProvider _services;
    private readonly Dictionary<string, (string Header, string Value)?> _credentials = [];

    public AccessMatrixTests(AzuriteFixture azurite, TestIssuer issuer)
    {
        _issuer = issuer;
        _services = OrgServices.Create(azurite,
            ("ADMIN_API_KEY", AdminKey),
            ("Auth:Jwt:MetadataAddress", issuer.MetadataAddress),
            ("Auth:Jwt:Audience", TestIssuer.Audience),
            ("Auth:Jwt:RequireHttpsMetadata", "false"));
    }

    public static TheoryData<string> OrgFunctions() => [.. HttpFunctions().Where(f => f.RequiresOrg).Select(f => f.Name)];

    public static TheoryData<string> AdminFunctions() => [.. HttpFunctions().Where(f => f.Route.StartsWith("admin/", StringComparison.Ordinal)).Select(f => f.Name)];

    public async Task InitializeAsync()
    {
        var registry = _services.GetRequiredService<IOrgRegistry>();
        var keys = _services.GetRequiredService<IApiKeyStore>();
        var definition = new OrgDefinition("Matrix", null, new OrgModelSettings(), new OrgQuotas(), true);
        await registry.PutAsync(Own, definition, default);
        await registry.PutAsync(Other, definition, default);
        _credentials["none"] = null;
        _credentials["garbage"] = ("X-Api-Key", "garbage");
        _credentials["garbage-token"] = ("Authorization", "Bearer garbage");
        var otherKey = (await keys.CreateAsync(Other, default)).ApiKey;
        var ownKey = (await keys.CreateAsync(Own, default)).ApiKey;
        _credentials["other-key"] = ("X-Api-Key", otherKey);
        _credentials["own-key"] = ("X-Api-Key", ownKey);
        _credentials["other-key-bearer"] = ("Authorization", $"Bearer {otherKey}");
        _credentials["own-key-bearer"] = ("Authorization", $"Bearer {ownKey}");
        _credentials["garbage-key-bearer"] = ("Authorization", "Bearer afk.matrix-own.garbage");
        _credentials["admin-key"] = ("X-Admin-Key", AdminKey);
        _credentials["own-token"] = ("Authorization", $"Bearer {_issuer.Token(Own.Value)}");
        _credentials["other-token"] = ("Authorization", $"Bearer {_issuer.Token(Other.Value)}");
    }

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    [Fact]
    public void HttpFunctions_Every_IsOrgScopedOrAdminOrAnonymous()
    {
        var functions = HttpFunctions();
        string[] anonymous = ["health", "openapi.json", "docs", "docs/{asset}"];

        Assert.Contains(functions, f => f.Name == "GetAudit" && f.RequiresOrg);
        Assert.All(functions.Where(f => !f.RequiresOrg), f => Assert.True(f.Route.StartsWith("admin/", StringComparison.Ordinal) || anonymous.Contains(f.Route), f.Name));
        Assert.All(functions.Where(f => f.Route.StartsWith("admin/", StringComparison.Ordinal)), f => Assert.False(f.RequiresOrg, f.Name));
    }

    [Theory]
    [MemberData(nameof(OrgFunctions))]
    public async Task OrgFunction_EachCredential_ExpectedDecision(string function)
    {
        var expected = new Dictionary<string, int>
        {
            ["none"] = 401, ["garbage"] = 401, ["garbage-token"] = 401, ["admin-key"] = 401,
            ["other-key"] = 403, ["other-token"] = 403, ["own-key"] = 200, ["own-token"] = 200,
            ["own-key-bearer"] = 200, ["other-key-bearer"] = 403, ["garbage-key-bearer"] = 401,
        };

        var actual = new Dictionary<string, int>();
        foreach (var (name, credential) in _credentials)
        {
            actual[name] = await DecideOrgAsync(credential);
        }

        Assert.True(expected.OrderBy(e => e.Key).SequenceEqual(actual.OrderBy(a => a.Key)), $"{function}: {string.Join(", ", actual.Select(a => $"{a.Key}={a.Value}"))}");
    }

    [Theory]
    [MemberData(nameof(AdminFunctions))]
    public void AdminFunction_EachCredential_OnlyAdminKeyPasses(string function)
    {
        var guard = _services.GetRequiredService<AdminGuard>();

        foreach (var (name, credential) in _credentials)
        {
            var status = 200;
            try
            {
                guard.Check(credential is { Header: AdminGuard.Header } admin ? admin.Value : string.Empty);
            }
            catch (ApiException refused)
            {
                status = refused.Status;
            }

            Assert.True((name == "admin-key" ? 200 : 401) == status, $"{function} with {name}: {status}");
        }
    }

    [Fact]
    public async Task OrgFunction_OwnKeyOfDisabledOrg_Refused403()
    {
        var registry = _services.GetRequiredService<IOrgRegistry>();
        var disabled = OrgId.Parse("matrix-disabled");
        await registry.PutAsync(disabled, new OrgDefinition("Off", null, new OrgModelSettings(), new OrgQuotas(), Enabled: false), default);
        var key = await _services.GetRequiredService<IApiKeyStore>().CreateAsync(disabled, default);

        var status = await DecideOrgAsync(("X-Api-Key", key.ApiKey), disabled);

        Assert.Equal(403, status);
    }

    private async Task<int> DecideOrgAsync((string Header, string Value)? credential, OrgId? orgId = null)
    {
        var http = new DefaultHttpContext();
        if (credential is { } c)
        {
            http.Request.Headers[c.Header] = c.Value;
        }

        try
        {
            await _services.GetRequiredService<IOrgAccessPolicy>().AuthorizeAsync(new OrgAccessRequest(null!, InvocationKind.Http, orgId ?? Own, http), default);
            return 200;
        }
        catch (ApiException refused)
        {
            return refused.Status;
        }
    }

    private static List<(string Name, string Route, bool RequiresOrg)> HttpFunctions() =>
        typeof(AgentFunctions.Functions.OrgAdminFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Method: m, Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)))
            .Where(x => x.Function is not null && x.Trigger is not null)
            .Select(x => (x.Function!.Name, x.Trigger!.Route ?? "", x.Method.GetCustomAttribute<WithoutOrgAttribute>() is null))
            .ToList();
}
