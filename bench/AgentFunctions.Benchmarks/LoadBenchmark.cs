using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Many orgs at once through tools/LocalHost and the real worker (loopback only, a fixed count of requests): each org
/// has its own key and several concurrent clients mixing agent runs, streamed runs, document uploads, searches, data
/// writes and reads, and jobs. Every org's inputs carry a marker word of that org; the benchmark fails when any
/// response answers 5xx, when any response or any request the model server received carries another org's marker,
/// or when a job does not succeed. Reports throughput and p50/p99 per kind of request.
/// </summary>
internal static class LoadBenchmark
{
    private const string AdminKey = "load-benchmark-admin-key-0123456789abcdef";

    private static readonly string[] Kinds = ["run", "stream", "document", "search", "data-put", "data-get", "job"];

    public static async Task RunAsync(string[] args)
    {
        var orgCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
        var clientsPerOrg = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var requestsPerClient = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 35;

        await using var model = await OpenAiTestServer.StartAsync();
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly) { CheckResponsesAgainstOpenApi = false };
        foreach (var (key, value) in Settings(model))
        {
            host.Environment[key] = value;
        }

        await host.InitializeAsync();
        try
        {
            var orgs = new List<LoadOrg>();
            for (var i = 0; i < orgCount; i++)
            {
                orgs.Add(await RegisterAsync(host.Client, $"load-{i:00}", $"mark{i:00}x{Guid.NewGuid():N}"[..20]));
            }

            var samples = new ConcurrentBag<(string Kind, double Ms)>();
            var failures = new ConcurrentQueue<string>();
            var jobs = new ConcurrentQueue<(LoadOrg Org, string JobId)>();
            var clients = orgs.SelectMany(org => Enumerable.Range(0, clientsPerOrg).Select(c => (Org: org, Client: c))).ToList();

            var watch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = clients.Count }, async (client, ct) =>
            {
                var conversation = $"conv-{client.Client}";
                for (var i = 0; i < requestsPerClient; i++)
                {
                    var kind = Kinds[(i + client.Client) % Kinds.Length];
                    var started = Stopwatch.GetTimestamp();
                    using var request = Request(kind, client.Org, conversation, $"{client.Client}-{i}");
                    using var response = await host.Client.SendAsync(request, ct);
                    var body = await response.Content.ReadAsStringAsync(ct);
                    samples.Add((kind, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    if ((int)response.StatusCode >= 500 || !response.IsSuccessStatusCode)
                    {
                        failures.Enqueue($"{kind} for {client.Org.Id}: {(int)response.StatusCode} {body}");
                    }

                    foreach (var other in orgs.Where(o => o != client.Org && body.Contains(o.Marker, StringComparison.Ordinal)))
                    {
                        failures.Enqueue($"{kind} for {client.Org.Id} answered with content of {other.Id}");
                    }

                    if (kind == "job" && response.IsSuccessStatusCode)
                    {
                        jobs.Enqueue((client.Org, JsonDocument.Parse(body).RootElement.GetProperty("jobId").GetString()!));
                    }
                }
            });
            var requestsDone = watch.Elapsed;

            var unfinished = await AwaitJobsAsync(host.Client, [.. jobs], failures);
            watch.Stop();

            var crossed = model.Requests.Select(r => orgs.Where(o => r.Body.Contains(o.Marker, StringComparison.Ordinal)).Select(o => o.Id).ToList())
                .Count(owners => owners.Count > 1);

            var total = samples.Count;
            Console.WriteLine($"load: {orgCount} orgs × {clientsPerOrg} concurrent clients × {requestsPerClient} requests = {total} requests, model at zero latency");
            Console.WriteLine($"requests: {requestsDone.TotalSeconds:F2} s, {total / requestsDone.TotalSeconds:F1} requests/s; all {jobs.Count} jobs finished after {watch.Elapsed.TotalSeconds:F2} s");
            Console.WriteLine($"{"kind",-10} {"count",6} {"p50 ms",8} {"p99 ms",8}");
            foreach (var kind in Kinds)
            {
                var ms = samples.Where(s => s.Kind == kind).Select(s => s.Ms).Order().ToArray();
                Console.WriteLine($"{kind,-10} {ms.Length,6} {Percentile(ms, 0.50),8:F1} {Percentile(ms, 0.99),8:F1}");
            }

            Console.WriteLine($"model requests: {model.Requests.Count}, carrying more than one org's marker: {crossed}");
            Console.WriteLine($"failures (5xx, non-success, cross-org content, jobs not succeeded): {failures.Count}, jobs unfinished: {unfinished}");
            foreach (var failure in failures.Take(10))
            {
                Console.WriteLine($"  {failure}");
            }

            if (!failures.IsEmpty || crossed > 0 || unfinished > 0)
            {
                throw new InvalidOperationException("The load benchmark saw failures (above).");
            }
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static HttpRequestMessage Request(string kind, LoadOrg org, string conversation, string step)
    {
        var request = kind switch
        {
            "run" => Post("api/agent/run", new { input = $"{org.Marker} question {step}", conversationId = conversation }),
            "stream" => Post("api/agent/run", new { input = $"{org.Marker} streamed {step}", conversationId = $"{conversation}-s" }),
            "document" => new HttpRequestMessage(HttpMethod.Put, $"api/documents/doc-{step}")
            {
                Content = JsonContent.Create(new { title = $"Notes {step}", content = $"The {org.Marker} handbook, section {step}: every answer cites its source." }),
            },
            "search" => Post("api/search", new { query = $"{org.Marker} handbook section", top = 3 }),
            "data-put" => new HttpRequestMessage(HttpMethod.Put, $"api/data/notes/{step}") { Content = JsonContent.Create(new { text = $"{org.Marker} note {step}" }) },
            "data-get" => new HttpRequestMessage(HttpMethod.Get, "api/data/notes?limit=20"),
            "job" => Post("api/jobs", new { input = $"{org.Marker} job {step}" }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such kind of request"),
        };
        if (kind == "stream")
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", org.Key);
        return request;

        static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
    }

    /// <summary>Polls every job until it succeeds (a failed one is a failure); the count still unfinished after two minutes.</summary>
    private static async Task<int> AwaitJobsAsync(HttpClient client, List<(LoadOrg Org, string JobId)> jobs, ConcurrentQueue<string> failures)
    {
        var deadline = Stopwatch.StartNew();
        while (jobs.Count > 0 && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var still = new ConcurrentBag<(LoadOrg Org, string JobId)>();
            await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, ct) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/jobs/{job.JobId}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", job.Org.Key);
                using var response = await client.SendAsync(request, ct);
                var status = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString();
                if (status == "failed")
                {
                    failures.Enqueue($"job {job.JobId} of {job.Org.Id} failed");
                }
                else if (status != "succeeded")
                {
                    still.Add(job);
                }
            });
            jobs = [.. still];
            if (jobs.Count > 0)
            {
                await Task.Delay(100);
            }
        }

        return jobs.Count;
    }

    private static async Task<LoadOrg> RegisterAsync(HttpClient client, string orgId, string marker)
    {
        using (var register = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{orgId}") { Content = JsonContent.Create(new { displayName = orgId }) })
        {
            register.Headers.Add("X-Admin-Key", AdminKey);
            (await client.SendAsync(register)).EnsureSuccessStatusCode();
        }

        using var createKey = new HttpRequestMessage(HttpMethod.Post, $"api/admin/orgs/{orgId}/keys");
        createKey.Headers.Add("X-Admin-Key", AdminKey);
        using var created = await client.SendAsync(createKey);
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
        return new LoadOrg(orgId, key, marker);
    }

    private static Dictionary<string, string?> Settings(OpenAiTestServer model) => new(StringComparer.Ordinal)
    {
        ["MULTITENANCY_ENABLED"] = "true",
        ["DEFAULT_ORG_ID"] = string.Empty,
        ["Auth__Enabled"] = "true",
        ["ADMIN_API_KEY"] = AdminKey,
        ["OpenAI__Endpoint"] = model.OpenAIEndpoint.ToString(),
        ["OpenAI__ApiKey"] = "bench-key",
        ["OpenAI__ChatModel"] = "bench-chat",
        ["OpenAI__EmbeddingModel"] = "bench-embedding",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed record LoadOrg(string Id, string Key, string Marker);
}
