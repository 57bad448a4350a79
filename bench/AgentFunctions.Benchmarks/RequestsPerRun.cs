using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Storage requests per agent run, counted at a loopback <see cref="StorageProxy"/> in front of Azurite's
/// Table endpoint, through tools/LocalHost and the real worker (middleware, access policy, rate limit, audit,
/// quota, agent, usage), for an org with both quotas, on a fresh and on a continued conversation; runs are
/// sent one at a time, so every request counted between two drains belongs to one run.
/// Critical-path storage time: the time within a run (from sending the request to having read the whole answer) during
/// which at least one storage request was open (the union of their intervals, so concurrent requests count once;
/// writes made after the answer is complete count nothing), against the same union of the two calls a turn
/// fundamentally needs, from the same runs: the history query (<c>GET Conversations</c>) and the turn's transaction (the
/// <c>POST $batch</c> issued before the answer). Also the summed time of all of a run's requests.
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
        await using var proxy = new StorageProxy(azurite.TablePort);
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly, azurite);
        host.Environment["AzureWebJobsStorage"] = StorageProxy.ConnectionString(azurite, table: proxy);
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

    private static void Report(string name, List<MeasuredRun> perRun, int runs)
    {
        var all = perRun.SelectMany(r => r.Requests).ToList();
        Console.WriteLine();
        Console.WriteLine($"{name}: {(double)all.Count / runs:F2} requests per run");
        foreach (var group in all.GroupBy(r => r.Request).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  {group.Key,-28} {(double)group.Count() / runs,6:F2} per run  mean {group.Average(g => g.Ms),7:F2} ms");
        }

        var summed = perRun.Select(r => r.Requests.Sum(x => x.Ms)).ToList();
        var critical = perRun.Select(r => r.OpenWithin(_ => true)).ToList();
        var fundamental = perRun.Select(r => r.OpenWithin(x => x.Request is "GET Conversations" or "POST $batch")).ToList();
        var ratios = perRun.Select(r => r.OpenWithin(_ => true) / r.OpenWithin(x => x.Request is "GET Conversations" or "POST $batch")).ToList();
        Console.WriteLine($"  summed storage time of all requests per run: median {Median(summed):F2} ms");
        Console.WriteLine($"  critical-path storage time per run: median {Median(critical):F2} ms, the two fundamental calls {Median(fundamental):F2} ms, ratio of medians {Median(critical) / Median(fundamental):F2}, median of per-run ratios {Median(ratios):F2}, ratio of means {critical.Average() / fundamental.Average():F2}");
    }

    private static async Task<List<MeasuredRun>> MeasureAsync(HttpClient client, StorageProxy proxy, int runs, string? conversation)
    {
        var perRun = new List<MeasuredRun>();
        for (var i = 0; i < runs; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            await RunAsync(client, conversation);
            var answered = Stopwatch.GetTimestamp();
            await Task.Delay(50); // anything written behind the response is flushed before the invocation ends
            perRun.Add(new MeasuredRun(sent, answered, proxy.Drain()));
        }

        return perRun;
    }

    /// <summary>One run: when it was sent, when its answer was read, and the storage requests it caused.</summary>
    private sealed record MeasuredRun(long Sent, long Answered, IReadOnlyList<ProxiedRequest> Requests)
    {
        /// <summary>Milliseconds between sending and the answer during which a matching request was open (intervals merged).</summary>
        public double OpenWithin(Func<ProxiedRequest, bool> match)
        {
            var intervals = Requests.Where(match)
                .Select(r => (Start: Math.Max(r.Started, Sent), End: Math.Min(r.Started + (long)(r.Ms * Stopwatch.Frequency / 1000), Answered)))
                .Where(i => i.End > i.Start)
                .OrderBy(i => i.Start)
                .ToList();
            long open = 0, coveredTo = long.MinValue;
            foreach (var (start, end) in intervals)
            {
                if (end > coveredTo)
                {
                    open += end - Math.Max(start, coveredTo);
                    coveredTo = end;
                }
            }

            return open * 1000.0 / Stopwatch.Frequency;
        }
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
