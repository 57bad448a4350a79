using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Storage requests per agent run, counted at a loopback <see cref="CountingProxy"/> in front of Azurite's
/// Table endpoint, through tools/LocalHost and the real worker (middleware, access policy, rate limit, audit,
/// quota, agent, usage), for an org with both quotas, on a fresh and on a continued conversation; runs are
/// sent one at a time, so every request counted between two drains belongs to one run.
/// Critical-path storage time: the summed proxy time of a run's requests (they run one after another)
/// against the two calls a turn fundamentally needs, taken from the same runs: the history query
/// (<c>GET Conversations</c>) and the turn's transaction (<c>POST $batch</c>).
/// Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- requests [runs]
/// </summary>
internal static class RequestsPerRun
{
    private const string AdminKey = "requests-benchmark-admin-key-0123456789ab";
    private const string Org = "bench-quota";

    public static async Task RunAsync(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        await using var model = await OpenAiTestServer.StartAsync();
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        await using var proxy = new CountingProxy(azurite.TablePort);
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly, azurite);
        host.Environment["AzureWebJobsStorage"] = azurite.ConnectionString.Replace($":{azurite.TablePort}/", $":{proxy.Port}/", StringComparison.Ordinal);
        host.Environment["MULTITENANCY_ENABLED"] = "true";
        host.Environment["DEFAULT_ORG_ID"] = string.Empty;
        host.Environment["Auth__Enabled"] = "false";
        host.Environment["ADMIN_API_KEY"] = AdminKey;
        host.Environment["OpenAI__Endpoint"] = model.OpenAIEndpoint.ToString();
        host.Environment["OpenAI__ApiKey"] = "bench-key";
        host.Environment["OpenAI__ChatModel"] = "bench-chat";
        host.Environment["OpenAI__EmbeddingModel"] = "bench-embedding";
        host.Environment["Logging__LogLevel__Default"] = "Warning";
        await host.InitializeAsync();
        try
        {
            using (var register = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{Org}")
            {
                Content = JsonContent.Create(new { displayName = Org, quotas = new { requestsPerMinute = 1_000_000, tokensPerDay = 1_000_000_000_000 } }),
            })
            {
                register.Headers.Add("X-Admin-Key", AdminKey);
                (await host.Client.SendAsync(register)).EnsureSuccessStatusCode();
            }

            var conversation = await RunAsync(host.Client, null);
            for (var i = 0; i < 20; i++)
            {
                await RunAsync(host.Client, null);
                await RunAsync(host.Client, conversation);
            }

            await Task.Delay(500);
            proxy.Drain();
            var fresh = await MeasureAsync(host.Client, proxy, runs, null);
            var continued = await MeasureAsync(host.Client, proxy, runs, conversation);
            Console.WriteLine($"storage requests per agent run (org with requestsPerMinute and tokensPerDay), {runs} runs each, one at a time, counted at a proxy in front of Azurite's Table endpoint");
            Report("fresh conversation", fresh, runs);
            Report("continued conversation", continued, runs);
        }
        finally
        {
            await host.DisposeAsync();
            await azurite.DisposeAsync();
        }
    }

    private static void Report(string name, List<List<(string Request, double Ms)>> perRun, int runs)
    {
        var all = perRun.SelectMany(r => r).ToList();
        Console.WriteLine();
        Console.WriteLine($"{name}: {(double)all.Count / runs:F2} requests per run");
        foreach (var group in all.GroupBy(r => r.Request).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  {group.Key,-28} {(double)group.Count() / runs,6:F2} per run  mean {group.Average(g => g.Ms),7:F2} ms");
        }

        var storage = perRun.Select(r => r.Sum(x => x.Ms)).ToList();
        var fundamental = perRun.Select(r => r.Where(x => x.Request is "GET Conversations" or "POST $batch").Sum(x => x.Ms)).ToList();
        Console.WriteLine($"  storage time per run: median {Median(storage):F2} ms, the two fundamental calls {Median(fundamental):F2} ms, ratio {Median(storage) / Median(fundamental):F2} (means {storage.Average() / fundamental.Average():F2})");
    }

    private static async Task<List<List<(string Request, double Ms)>>> MeasureAsync(HttpClient client, CountingProxy proxy, int runs, string? conversation)
    {
        var perRun = new List<List<(string, double)>>();
        for (var i = 0; i < runs; i++)
        {
            await RunAsync(client, conversation);
            await Task.Delay(50); // anything written behind the response is flushed before the invocation ends
            perRun.Add([.. proxy.Drain()]);
        }

        return perRun;
    }

    private static async Task<string> RunAsync(HttpClient client, string? conversation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input = "how many requests?", conversationId = conversation }) };
        request.Headers.Add("X-Org-Id", Org);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("conversationId").GetString()!;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
