using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>
/// Every HTTP function the worker reports (read from the local host's <c>/admin/host/status</c>, so a new endpoint
/// is in the matrix without editing it) × {no credential, garbage key, other org's key, own key, admin key, and the
/// keys and a garbage token as <c>Authorization: Bearer</c>}, through
/// the real middleware: the status each gets, and that the model is never called for a refused request. A refusal's
/// code is problem+json's <c>code</c>, or <c>error.code</c> in the OpenAI envelope of <c>/api/v1</c>.
/// </summary>
[Collection(OrgsHostGroup.Name)]
public sealed partial class AccessMatrixTests(OrgsHost host) : IAsyncLifetime
{
    private const string Own = "matrix-own";
    private const string Other = "matrix-other";

    /// <summary>The org admin routes act on: not <see cref="Own"/>, so DELETE of an org does not offboard the org under test.</summary>
    private const string AdminTarget = "matrix-admin-target";

    /// <summary>Valid bodies where a route needs one to get past validation; other routes get <c>{}</c>.</summary>
    private static readonly Dictionary<string, object> Bodies = new(StringComparer.Ordinal)
    {
        ["agent/run"] = new { input = "matrix question" },
        ["documents/{documentId}"] = new { title = "Matrix", content = "The matrix document." },
        ["search"] = new { query = "matrix" },
        ["admin/orgs/{orgId}"] = new { displayName = "Matrix target" },
    };

    /// <summary>Routes that answer anyone alike: health, the OpenAPI document and its reference page.</summary>
    private static readonly HashSet<string> AnonymousRoutes = new(StringComparer.Ordinal) { "health", "openapi.json", "docs", "docs/{asset}" };

    private readonly Dictionary<string, (string Header, string Value)?> _credentials = [];

    public async Task InitializeAsync()
    {
        var otherKey = await host.RegisterWithKeyAsync(Other);
        var ownKey = await host.RegisterWithKeyAsync(Own);
        _credentials["none"] = null;
        _credentials["garbage"] = OrgsHost.Key("garbage-key");
        _credentials["other-key"] = OrgsHost.Key(otherKey);
        _credentials["own-key"] = OrgsHost.Key(ownKey);
        _credentials["admin-key"] = OrgsHost.Admin;
        _credentials["own-key-bearer"] = ("Authorization", $"Bearer {ownKey}");
        _credentials["other-key-bearer"] = ("Authorization", $"Bearer {otherKey}");
        _credentials["garbage-key-bearer"] = ("Authorization", $"Bearer afk.{Own}.garbage");
        _credentials["garbage-token"] = ("Authorization", "Bearer garbage");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RevokeOrgKey_OtherOrgsKeyIdThroughThisOrgsPath_404AndTheKeyKeepsWorking()
    {
        var keyOfA = await host.RegisterWithKeyAsync("revoke-a");
        await host.RegisterWithKeyAsync("revoke-b");
        var keyIdOfA = keyOfA.Split('.')[2];

        using (var throughB = await host.SendAsync(HttpMethod.Delete, $"api/admin/orgs/revoke-b/keys/{keyIdOfA}", null, OrgsHost.Admin))
        {
            Assert.Equal(HttpStatusCode.NotFound, throughB.StatusCode);
        }

        await host.GetTextAsync("api/conversations", "revoke-a", keyOfA);
        using (var throughA = await host.SendAsync(HttpMethod.Delete, $"api/admin/orgs/revoke-a/keys/{keyIdOfA}", null, OrgsHost.Admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, throughA.StatusCode);
        }

        using var revoked = await host.SendAsync(HttpMethod.Get, "api/conversations", "revoke-a", OrgsHost.Key(keyOfA));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
    }

    [Fact]
    public async Task EveryHttpFunction_EachCredential_ExpectedStatusAndNoModelCallWhenRefused()
    {
        var functions = await HttpFunctionsAsync();
        Assert.Contains(functions, f => f.Name == "RunAgent");
        Assert.Contains(functions, f => f.Name == "DeleteOrg");
        var failures = new List<string>();
        var cells = 0;

        foreach (var function in functions)
        {
            var kind = AnonymousRoutes.Contains(function.Route) ? "public" : function.Route.StartsWith("admin/", StringComparison.Ordinal) ? "admin" : "org";
            foreach (var (name, credential) in _credentials)
            {
                var expected = (kind, name) switch
                {
                    ("public", _) => "200",
                    ("admin", "admin-key") => "allowed",
                    ("admin", _) => "401",
                    ("org", "own-key" or "own-key-bearer") => "allowed",
                    ("org", "other-key" or "other-key-bearer") => "403",
                    _ => "401",
                };
                var before = host.ModelRequestCount;
                using var response = await host.SendAsync(function.Method, Path(function.Route, kind), kind == "org" ? Own : null, credential, Body(function));
                var status = (int)response.StatusCode;
                var refused = expected is "401" or "403";
                var ok = expected switch
                {
                    "allowed" => status is not (401 or 403) and < 500,
                    _ => status.ToString(System.Globalization.CultureInfo.InvariantCulture) == expected,
                };
                if (refused && ok && await response.Content.ReadFromJsonAsync<JsonObject>() is { } problem
                    && (problem["code"] ?? problem["error"]?["code"])?.GetValue<string>() != (expected == "401" ? "unauthorized" : "forbidden"))
                {
                    ok = false;
                }

                if (ok && !refused && function.Method == HttpMethod.Post && function.Route == "jobs" && response.StatusCode == HttpStatusCode.Accepted)
                {
                    // The job runs in the background: let it finish, or its model call would be counted against a later refusal.
                    await host.WaitForJobAsync(Own, credential, (await response.Content.ReadFromJsonAsync<JsonObject>())!["jobId"]!.GetValue<string>());
                }

                if (!ok)
                {
                    failures.Add($"{function.Method} {function.Route} with {name}: expected {expected}, got {status} {await response.Content.ReadAsStringAsync()}");
                }

                if (refused && host.ModelRequestCount != before)
                {
                    failures.Add($"{function.Method} {function.Route} with {name}: refused but the model was called");
                }

                cells++;
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(functions.Count * _credentials.Count, cells);
    }

    /// <summary>The worker's HTTP functions as the host loaded them; a function without methods is tried with GET.</summary>
    private async Task<List<(string Name, string Route, HttpMethod Method)>> HttpFunctionsAsync()
    {
        var status = await host.Client.GetFromJsonAsync<JsonObject>(new Uri("admin/host/status", UriKind.Relative));
        var functions = new List<(string, string, HttpMethod)>();
        foreach (var function in status!["functions"]!.AsArray().Select(f => f!.AsObject()))
        {
            if (!string.Equals(function["trigger"]?.GetValue<string>(), "httpTrigger", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var route = function["route"]!.GetValue<string>();
            Assert.StartsWith("/api/", route, StringComparison.Ordinal);
            var methods = function["methods"]?.AsArray().Select(m => m!.GetValue<string>()).ToList() ?? ["GET"];
            functions.AddRange(methods.Select(m => (function["name"]!.GetValue<string>(), route["/api/".Length..], new HttpMethod(m))));
        }

        return functions;
    }

    private static object? Body((string Name, string Route, HttpMethod Method) function) =>
        function.Method == HttpMethod.Post || function.Method == HttpMethod.Put
            ? Bodies.TryGetValue(function.Route, out var body) ? body : new { }
            : null;

    /// <summary>The route with each parameter filled in: the admin target org for {orgId}, a file of the reference page for {asset}, a valid id for the rest.</summary>
    private static string Path(string route, string kind) =>
        "api/" + RouteParameter().Replace(route, m => m.Groups[1].Value switch
        {
            "orgId" => AdminTarget,
            "asset" => "swagger-ui.css",
            _ => kind == "admin" ? "key-0" : "matrix-1",
        });

    [GeneratedRegex(@"\{(\w+)(?::[^}]*)?\}")]
    private static partial Regex RouteParameter();
}
