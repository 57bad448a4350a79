using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Testing;
using Microsoft.OpenApi.Reader;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>
/// <c>GET /api/openapi.json</c> and <c>GET /api/docs</c> through the real worker: the document lists exactly the HTTP
/// functions the worker reports, official tools read and lint it, and the contract check every end-to-end client runs
/// (<see cref="OpenApiContract"/>) catches a response that leaves the document.
/// </summary>
[Collection(MultitenantAppGroup.Name)]
public sealed partial class OpenApiTests(MultitenantAppHost host)
{
    [Fact]
    public async Task OpenApiDocument_HttpFunctionsOfTheWorker_AreExactlyTheDocumentedOperations()
    {
        // What the worker reported in its function metadata, as the local host routes it.
        using var status = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("admin/host/status", UriKind.Relative)));
        var functions = status.RootElement.GetProperty("functions").EnumerateArray()
            .Where(f => f.GetProperty("trigger").GetString() == "httpTrigger")
            .SelectMany(f => f.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()} {f.GetProperty("route").GetString()} ({f.GetProperty("name").GetString()})"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var documented = Contract.Operations()
            .Select(o => $"{o.Method} {o.Path} ({o.OperationId})")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(functions);
        var undocumented = functions.Except(documented).ToList();
        var stale = documented.Except(functions).ToList();
        Assert.True(undocumented.Count == 0 && stale.Count == 0,
            "The OpenAPI document and the worker's HTTP functions differ (operationId = function name; see docs/openapi.md).\n" +
            $"Functions the document lacks: {string.Join("; ", undocumented)}\nDocumented operations no function serves: {string.Join("; ", stale)}");
    }

    [Fact]
    public async Task OpenApiDocument_MicrosoftOpenApiReader_ReadsOpenApi31WithoutErrorsOrWarnings()
    {
        await using var stream = await host.Client.GetStreamAsync(new Uri("api/openapi.json", UriKind.Relative));

        var read = await Microsoft.OpenApi.OpenApiDocument.LoadAsync(stream, "json");

        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Empty(read.Diagnostic.Warnings);
        Assert.Equal(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        Assert.Equal(Contract.Operations().Count(), read.Document!.Paths.Sum(p => p.Value.Operations!.Count));
    }

    [Fact]
    public async Task OpenApiDocument_RedoclyLint_ReportsNoErrorsOrWarnings()
    {
        var redocly = Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"{redocly} is missing: run npm ci (./test.sh does).");
        var file = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await host.Client.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative)));
        try
        {
            var start = new ProcessStartInfo(redocly)
            {
                ArgumentList = { "lint", "--config", Path.Combine(RepositoryPaths.Root, "redocly.yaml"), "--format=json", file },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RepositoryPaths.Root,
                Environment = { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
            };
            using var lint = Process.Start(start)!;
            var output = lint.StandardOutput.ReadToEndAsync();
            var errors = lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync();

            using var report = JsonDocument.Parse(await output);
            var totals = report.RootElement.GetProperty("totals");
            Assert.True(lint.ExitCode == 0 && totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0,
                $"redocly lint (exit {lint.ExitCode}):\n{report.RootElement.GetProperty("problems")}\n{await errors}");
            Assert.Equal("2.77.0", report.RootElement.GetProperty("version").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task GetApiReference_Page_LoadsOnlyFilesTheAppServesFromThePinnedSwaggerUi()
    {
        using var page = await host.Client.GetAsync(new Uri("api/docs", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        var files = Reference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Equal(["/api/docs/favicon-32x32.png", "/api/docs/swagger-ui.css", "/api/openapi.json", "/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-initializer.js"], files);
        foreach (var file in files)
        {
            using var response = await host.Client.GetAsync(new Uri(file.TrimStart('/'), UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var bundle = await host.Client.GetByteArrayAsync(new Uri("api/docs/swagger-ui-bundle.js", UriKind.Relative));
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "node_modules", "swagger-ui-dist", "swagger-ui-bundle.js")), bundle);
        using var package = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "node_modules", "swagger-ui-dist", "package.json")));
        Assert.Equal("5.35.0", package.RootElement.GetProperty("version").GetString());
        var initializer = await host.Client.GetStringAsync(new Uri("api/docs/swagger-initializer.js", UriKind.Relative));
        Assert.Contains("url: \"/api/openapi.json\"", initializer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("index.html")]
    [InlineData("swagger-ui.js")]
    [InlineData("..%2Fopenapi.json")]
    public async Task GetApiReferenceAsset_NotAPageFile_Returns404Problem(string asset)
    {
        using var request = AgentAppHost.Request(HttpMethod.Get, $"api/docs/{asset}", orgId: null);
        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 404, "not_found");
    }

    [Fact]
    public async Task ContractCheck_RealResponseWithRenamedField_Fails()
    {
        var org = $"oa-{Guid.NewGuid():N}";
        await host.RegisterOrgAsync(org);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/admin/orgs/{org}");
        request.Headers.Add("X-Admin-Key", host.AdminKey);
        using var real = await host.Client.SendAsync(request);
        var body = await real.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);

        using var renamed = Response(HttpStatusCode.OK, body.Replace("\"displayName\"", "\"name\"", StringComparison.Ordinal), "application/json");
        var error = await Assert.ThrowsAsync<OpenApiContractException>(() => Contract.CheckAsync(request, renamed, CancellationToken.None));

        Assert.Contains("displayName", error.Message, StringComparison.Ordinal);
        Assert.Contains("name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(418, "application/problem+json", """{"type":"urn:agentfunctions:problem:internal","title":"x","status":418,"detail":"d","code":"internal","traceId":"t"}""", "not documented")]
    [InlineData(200, "text/plain", "ok", "content type 'text/plain' is not documented")]
    [InlineData(400, "application/problem+json", """{"type":"urn:agentfunctions:problem:not_found","title":"x","status":400,"detail":"d","code":"not_found","traceId":"t"}""", "code")]
    [InlineData(200, "application/json", """{"events":[{"at":"yesterday","orgId":"a","principal":"p","action":"a","function":"f","outcome":"allowed","traceId":"t"}]}""", "format")]
    public async Task ContractCheck_ResponseOutsideTheDocument_Fails(int status, string mediaType, string body, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, "api/audit"));
        using var response = Response((HttpStatusCode)status, body, mediaType);

        var error = await Assert.ThrowsAsync<OpenApiContractException>(() => Contract.CheckAsync(request, response, CancellationToken.None));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContractCheck_EventStreamWithUndocumentedEventShape_FailsWhenRead()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(host.BaseAddress, "api/agent/run"));
        using var response = Response(HttpStatusCode.OK, "event: delta\ndata: {\"text\":\"Par\"}\n\nevent: delta\ndata: {\"txt\":\"is\"}\n\n", "text/event-stream");
        await Contract.CheckAsync(request, response, CancellationToken.None);

        var error = await Assert.ThrowsAsync<OpenApiContractException>(() => response.Content.ReadAsStringAsync());

        Assert.Contains("event 'delta'", error.Message, StringComparison.Ordinal);
        Assert.Contains("txt", error.Message, StringComparison.Ordinal);
    }

    private OpenApiContract Contract => host.Contract ?? throw new InvalidOperationException("The host checks no contract.");

    private static HttpResponseMessage Response(HttpStatusCode status, string body, string mediaType) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(mediaType)) };

    [GeneratedRegex("(?:src|href|url:)\\s*=?\\s*\"(?<url>[^\"]+)\"")]
    private static partial Regex Reference();
}
