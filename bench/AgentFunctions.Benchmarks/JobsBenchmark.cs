using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Queued jobs end to end — POST /api/jobs → queue → worker claims, runs the agent against the
/// OpenAI-compatible test server at zero latency, stores the turn, records success → the client sees
/// <c>succeeded</c> via GET — through tools/LocalHost and the real worker, with host.json's queue
/// settings; side by side in one run with the raw Azurite operations each job needs
/// (<see cref="JobsRawOperations"/>) at the same concurrency on the same Azurite. Two clients are measured: one polls
/// every unfinished job every 50 ms, the other waits for each job with one <c>GET /api/jobs/{id}?wait=30</c>.
/// With <c>storageLatencyMs</c> given (0 too), both sides reach Azurite through counting proxies, and the storage requests
/// per job of each end-to-end run are printed by kind.
/// Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- jobs [count] [storageLatencyMs]
/// </summary>
internal static class JobsBenchmark
{
    private const string AdminKey = "jobs-benchmark-admin-key-0123456789abcdef";

    public static async Task RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        var storageLatency = TimeSpan.FromMilliseconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0);
        const int SubmitConcurrency = 16;
        string[] orgs = ["bench-a", "bench-b", "bench-c", "bench-d"];

        await using var model = await OpenAiTestServer.StartAsync();
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();

        // With a storage latency both sides reach Azurite's Table and Queue endpoints through proxies that hold each answer
        // until that long after its request: round trips, not the local Azurite's CPU, then set the pace, as with a storage
        // account on the network.
        await using var tableProxy = new StorageProxy(azurite.TablePort) { Latency = storageLatency };
        await using var queueProxy = new StorageProxy(azurite.QueuePort) { Latency = storageLatency };
        var proxied = args.Length > 1;
        var storage = proxied ? StorageProxy.ConnectionString(azurite, queue: queueProxy, table: tableProxy) : azurite.ConnectionString;
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly, azurite) { CheckResponsesAgainstOpenApi = false };
        foreach (var (key, value) in Settings(model, AdminKey))
        {
            host.Environment[key] = value;
        }

        host.Environment["AzureWebJobsStorage"] = storage;
        await host.InitializeAsync();
        try
        {
            foreach (var org in orgs)
            {
                using var register = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{org}") { Content = JsonContent.Create(new { displayName = org }) };
                register.Headers.Add("X-Admin-Key", AdminKey);
                (await host.Client.SendAsync(register)).EnsureSuccessStatusCode();
            }

            // Warm-up as long as the measured run, then a pause: the worker's and the host's JIT tiers up in the background for
            // seconds after a burst (after a 40-job warm-up they still spent 0.2-0.3 of a core on it during the raw run), and a
            // long-running host is past that.
            await EndToEndAsync(host.Client, orgs, jobs, SubmitConcurrency, StatusReads.Poll);
            await Task.Delay(TimeSpan.FromSeconds(5));
            var self = Environment.ProcessId;
            var measured = new List<(string Client, Result Run, IReadOnlyList<(string Name, double Milliseconds)> Cpu, IReadOnlyList<ProxiedRequest> Requests)>();
            foreach (var reads in new[] { StatusReads.Poll, StatusReads.Wait })
            {
                tableProxy.Drain();
                queueProxy.Drain();
                var cpu = ProcessCpu.Start(("worker", host.WorkerProcessId), ("local host", host.HostProcessId), ("Azurite", azurite.ProcessId), ("client and model server", self));
                var run = await EndToEndAsync(host.Client, orgs, jobs, SubmitConcurrency, reads);
                var perJob = cpu.PerUnit(jobs);
                await Task.Delay(200); // the last invocations' held writes
                measured.Add((reads == StatusReads.Poll ? "polling every 50 ms" : "waiting (?wait=30)", run, perJob, [.. tableProxy.Drain(), .. queueProxy.Drain()]));
            }

            await JobsRawOperations.RunAsync(storage, jobs, SubmitConcurrency, 24, 16); // warm-up, as long as the run
            var rawCpu = ProcessCpu.Start(("Azurite", azurite.ProcessId), ("client", self));
            var raw = await JobsRawOperations.RunAsync(storage, jobs, SubmitConcurrency, 24, 16);
            var rawPerJob = rawCpu.PerUnit(jobs);

            var rawRate = jobs / raw.Elapsed.TotalSeconds;
            Console.WriteLine($"jobs: {jobs} across {orgs.Length} orgs, {SubmitConcurrency} concurrent submitters, host.json queue settings (batch 16, threshold 8), model at zero latency, storage latency {storageLatency.TotalMilliseconds} ms");
            Console.WriteLine($"raw Azurite operations per job, same concurrency: {raw.Elapsed.TotalSeconds:F2} s, {rawRate:F1} jobs/s; CPU per job, ms: {string.Join(", ", rawPerJob.Select(p => $"{p.Name} {p.Milliseconds:F1}"))}; total {rawPerJob.Sum(p => p.Milliseconds):F1}");
            foreach (var (name, e2e, cpu, requests) in measured)
            {
                var e2eRate = jobs / e2e.Elapsed.TotalSeconds;
                Console.WriteLine();
                Console.WriteLine($"end to end, client {name} (submit → succeeded seen by GET): {e2e.Elapsed.TotalSeconds:F2} s, {e2eRate:F1} jobs/s");
                Console.WriteLine($"  end to end / raw: {e2eRate / rawRate:F2}");
                Console.WriteLine($"  CPU per job, ms: {string.Join(", ", cpu.Select(p => $"{p.Name} {p.Milliseconds:F1}"))}; total {cpu.Sum(p => p.Milliseconds):F1}");
                Console.WriteLine($"  POST /api/jobs latency          mean {e2e.SubmitMs.Average():F1} ms, p95 {Percentile(e2e.SubmitMs, 0.95):F1} ms");
                Console.WriteLine($"  queued → claimed (queue wait)   mean {e2e.QueueWaitMs.Average():F1} ms, p95 {Percentile(e2e.QueueWaitMs, 0.95):F1} ms");
                Console.WriteLine($"  claimed → succeeded (agent run) mean {e2e.RunMs.Average():F1} ms, p95 {Percentile(e2e.RunMs, 0.95):F1} ms");
                Console.WriteLine($"  GET /api/jobs/{{id}} by the client {e2e.Polls} ({(double)e2e.Polls / jobs:F1} per job)");
                if (proxied)
                {
                    Console.WriteLine($"  storage requests per job: {(double)requests.Count / jobs:F2}");
                    foreach (var kind in requests.GroupBy(r => r.Request).OrderByDescending(g => g.Count()))
                    {
                        Console.WriteLine($"    {kind.Key,-32} {(double)kind.Count() / jobs:F2}");
                    }
                }
            }

            Console.WriteLine($"model requests                    {model.ChatRequests.Count} (incl. warm-up)");
            Console.WriteLine();
            Console.WriteLine("raw operations (count, mean latency, share of summed time):");
            var total = raw.Operations.Values.Sum(o => o.Total.TotalMilliseconds);
            foreach (var (name, (count, time)) in raw.Operations.OrderByDescending(o => o.Value.Total))
            {
                Console.WriteLine($"  {name,-40} {count,6}  {time.TotalMilliseconds / count,7:F2} ms  {100 * time.TotalMilliseconds / total,5:F1}%");
            }
        }
        finally
        {
            await host.DisposeAsync();
            await azurite.DisposeAsync();
        }
    }

    /// <summary>The app settings of the jobs benchmarks: multitenant, no auth, the model test server, no model retries.</summary>
    internal static Dictionary<string, string?> Settings(OpenAiTestServer model, string adminKey) => new(StringComparer.Ordinal)
    {
        ["MULTITENANCY_ENABLED"] = "true",
        ["DEFAULT_ORG_ID"] = string.Empty,
        ["Auth__Enabled"] = "false",
        ["ADMIN_API_KEY"] = adminKey,
        ["OpenAI__Endpoint"] = model.OpenAIEndpoint.ToString(),
        ["OpenAI__ApiKey"] = "bench-key",
        ["OpenAI__ChatModel"] = "bench-chat",
        ["OpenAI__EmbeddingModel"] = "bench-embedding",
        ["Model__MaxRetries"] = "0",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>How the client learns that its jobs finished: polling every job every 50 ms, or one waiting read per job.</summary>
    private enum StatusReads
    {
        Poll,
        Wait,
    }

    private static async Task<Result> EndToEndAsync(HttpClient client, string[] orgs, int jobs, int concurrency, StatusReads reads)
    {
        var submitMs = new ConcurrentBag<double>();
        var submitted = new ConcurrentQueue<(string Org, string JobId)>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var org = orgs[i % orgs.Length];
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = JsonContent.Create(new { input = $"question {i}" }) };
            request.Headers.Add("X-Org-Id", org);
            var started = Stopwatch.GetTimestamp();
            using var response = await client.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            submitMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            submitted.Enqueue((org, body.GetProperty("jobId").GetString()!));
        });

        var outstanding = submitted.ToList();
        var finished = new ConcurrentBag<JsonElement>();
        var polls = 0;

        // One status read; true once the job succeeded (its body kept), false while it runs.
        async Task<bool> FinishedAsync((string Org, string JobId) job, string query, CancellationToken ct)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/jobs/{job.JobId}{query}");
            request.Headers.Add("X-Org-Id", job.Org);
            using var response = await client.SendAsync(request, ct);
            Interlocked.Increment(ref polls);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            switch (body.GetProperty("status").GetString())
            {
                case "succeeded":
                    finished.Add(body);
                    return true;
                case "failed":
                    throw new InvalidOperationException($"Job {job.JobId} failed: {body}");
                default:
                    return false;
            }
        }

        if (reads == StatusReads.Wait)
        {
            // 8 readers take the jobs in the order they were submitted; each waits for its job with ?wait=30 (again if it ran out).
            await Parallel.ForEachAsync(outstanding, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, ct) =>
            {
                while (!await FinishedAsync(job, "?wait=30", ct))
                {
                }
            });
            outstanding = [];
        }

        while (outstanding.Count > 0)
        {
            var still = new ConcurrentBag<(string Org, string JobId)>();
            await Parallel.ForEachAsync(outstanding, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, ct) =>
            {
                if (!await FinishedAsync(job, string.Empty, ct))
                {
                    still.Add(job);
                }
            });
            outstanding = [.. still];
            if (outstanding.Count > 0)
            {
                await Task.Delay(50);
            }
        }

        watch.Stop();
        static DateTimeOffset At(JsonElement job, string name) => job.GetProperty(name).GetDateTimeOffset();
        return new Result(
            watch.Elapsed,
            [.. submitMs],
            [.. finished.Select(j => (At(j, "startedAt") - At(j, "createdAt")).TotalMilliseconds)],
            [.. finished.Select(j => (At(j, "completedAt") - At(j, "startedAt")).TotalMilliseconds)],
            polls);
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private sealed record Result(TimeSpan Elapsed, IReadOnlyList<double> SubmitMs, IReadOnlyList<double> QueueWaitMs, IReadOnlyList<double> RunMs, int Polls);
}
