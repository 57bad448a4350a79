using System.Diagnostics;
using AgentFunctions.Testing;
using LocalHost;
using LocalHost.Configuration;
using LocalHost.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// tools/LocalHost, measured side by side in one run against the real worker (GET /api/health, which
/// runs the middleware and one storage query):
/// cold start (host process start to the first served request), and one request through the host
/// versus the same request sent straight to the worker's own HTTP endpoint (its HttpUri) with the
/// matching InvocationRequest on the same gRPC channel — the least any host must do.
/// </summary>
internal static class LocalHostOverhead
{
    private const int Rounds = 5;
    private const int RequestsPerRound = 300;

    public static async Task RunAsync(string[] args)
    {
        var app = LocalHostFixture.AgentFunctionsAssembly;
        Console.WriteLine($"worker: {app}");

        // Cold start, as a developer or a test fixture sees it: a fresh host process each time.
        var coldStarts = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var host = new LocalHostFixture(app) { CheckResponsesAgainstOpenApi = false };
            await host.InitializeAsync();
            var first = Stopwatch.StartNew();
            using (var response = await host.Client.GetAsync(new Uri("api/health", UriKind.Relative)))
            {
                response.EnsureSuccessStatusCode();
            }

            coldStarts.Add((host.StartupTime + first.Elapsed).TotalMilliseconds);
            await host.DisposeAsync();
        }

        Console.WriteLine($"cold start to first served request: median {Median(coldStarts):F0} ms ({string.Join(", ", coldStarts.Select(c => c.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms)");

        // Per request: the host in this process, so the direct path can use its gRPC channel.
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        var environment = new Dictionary<string, string>(AppSettings.ProcessEnvironment(), StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
        };
        var options = LocalHostOptions.Parse(["--app", app, "--port", "0"], environment);
        var runner = await LocalHostRunner.StartAsync(options, AppSettings.Load(options.AppDirectory, environment), NullLoggerFactory.Instance, CancellationToken.None);
        using var client = new HttpClient();
        try
        {
            var health = runner.Functions["Health"];
            var throughHost = new Uri(runner.BaseUri, "api/health");
            var direct = new Uri(runner.WorkerHttpUri!, "api/health");

            async Task ViaHost()
            {
                using var response = await client.GetAsync(throughHost);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }

            async Task Direct()
            {
                var context = new DefaultHttpContext();
                context.Request.Method = "GET";
                context.Request.Path = "/api/health";
                var invocation = HttpFunctionProxy.CreateInvocation(context, health);
                var result = runner.Channel.InvokeAsync(invocation, CancellationToken.None);
                using var request = new HttpRequestMessage(HttpMethod.Get, direct);
                request.Headers.Add(HttpFunctionProxy.InvocationIdHeader, invocation.InvocationId);
                using var response = await client.SendAsync(request);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
                await result;
            }

            await Repeat(ViaHost, 200);
            await Repeat(Direct, 200);
            var host = new List<double>();
            var straight = new List<double>();
            for (var round = 0; round < Rounds; round++)
            {
                straight.Add(await Repeat(Direct, RequestsPerRound));
                host.Add(await Repeat(ViaHost, RequestsPerRound));
            }

            var hostMs = Median(host);
            var directMs = Median(straight);
            Console.WriteLine($"one request through the host: {hostMs:F3} ms; straight to the worker's HttpUri: {directMs:F3} ms; ratio {hostMs / directMs:F2}x (+{hostMs - directMs:F3} ms); median of {Rounds} rounds x {RequestsPerRound} sequential requests");
        }
        finally
        {
            await runner.DisposeAsync();
            await azurite.DisposeAsync();
        }
    }

    /// <summary>Mean milliseconds per call over <paramref name="count"/> sequential calls.</summary>
    private static async Task<double> Repeat(Func<Task> call, int count)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await call();
        }

        return watch.Elapsed.TotalMilliseconds / count;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
