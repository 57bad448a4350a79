using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Storage requests per queued job, counted at loopback <see cref="StorageProxy"/>s in front of Azurite's Table and
/// Queue endpoints, through tools/LocalHost and the real worker, the org set up as in the <c>jobs</c> benchmark. Jobs
/// run one at a time, in three phases counted apart: submit (<c>POST /api/jobs</c> until its 202), the worker (from the
/// 202 until the job row, read directly from Azurite past the proxies, says <c>succeeded</c> and the message is gone:
/// claim, run, completion, delete) and one status poll (<c>GET /api/jobs/{id}</c>). The queue listeners' receives are
/// counted apart: one takes the job, the rest are idle polling, which costs per second, not per job (under load one
/// receive takes a batch of up to 16).
/// Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- job-requests [jobs]
/// </summary>
internal static class RequestsPerJob
{
    private const string AdminKey = "job-requests-benchmark-admin-key-01234567";
    private const string Org = "bench-a";

    public static async Task RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        await using var model = await OpenAiTestServer.StartAsync();
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        await using var tableProxy = new StorageProxy(azurite.TablePort);
        await using var queueProxy = new StorageProxy(azurite.QueuePort);
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly, azurite) { CheckResponsesAgainstOpenApi = false };
        foreach (var (key, value) in JobsBenchmark.Settings(model, AdminKey))
        {
            host.Environment[key] = value;
        }

        host.Environment["AzureWebJobsStorage"] = StorageProxy.ConnectionString(azurite, queue: queueProxy, table: tableProxy);
        await host.InitializeAsync();
        try
        {
            using (var register = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{Org}") { Content = JsonContent.Create(new { displayName = Org }) })
            {
                register.Headers.Add("X-Admin-Key", AdminKey);
                (await host.Client.SendAsync(register)).EnsureSuccessStatusCode();
            }

            var rows = new TableClient(azurite.ConnectionString, "Jobs");
            for (var i = 0; i < 10; i++)
            {
                await RunJobAsync(host.Client, rows, azurite, tableProxy, queueProxy); // warm-up: JIT, tables, queues, caches
            }

            var phases = new Dictionary<string, List<(string Request, double Ms)>>(StringComparer.Ordinal)
            {
                ["submit"] = [], ["worker"] = [], ["poll"] = [], ["listener receives"] = [],
            };
            for (var i = 0; i < jobs; i++)
            {
                foreach (var (phase, requests) in await RunJobAsync(host.Client, rows, azurite, tableProxy, queueProxy))
                {
                    phases[phase].AddRange(requests);
                }
            }

            Console.WriteLine($"storage requests per job (org without quotas, as in `jobs`), {jobs} jobs one at a time, counted at proxies in front of Azurite's Table and Queue endpoints");
            var total = phases.Where(p => p.Key != "listener receives").Sum(p => p.Value.Count);
            Console.WriteLine($"total per job (submit + worker + one poll): {(double)total / jobs:F2}");
            foreach (var (phase, requests) in phases)
            {
                Console.WriteLine();
                Console.WriteLine($"{phase}: {(double)requests.Count / jobs:F2} per job, {requests.Sum(r => r.Ms) / jobs:F1} ms summed");
                foreach (var group in requests.GroupBy(r => r.Request).OrderByDescending(g => g.Count()))
                {
                    Console.WriteLine($"  {group.Key,-32} {(double)group.Count() / jobs,6:F2} per job  mean {group.Average(g => g.Ms),7:F2} ms");
                }
            }
        }
        finally
        {
            await host.DisposeAsync();
            await azurite.DisposeAsync();
        }
    }

    private static async Task<List<(string Phase, IReadOnlyList<(string Request, double Ms)> Requests)>> RunJobAsync(
        HttpClient client, TableClient rows, AzuriteFixture azurite, StorageProxy tables, StorageProxy queues)
    {
        var (idle, _) = Split(Drain(tables, queues));
        using var submit = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = JsonContent.Create(new { input = "how many requests?" }) };
        submit.Headers.Add("X-Org-Id", Org);
        using (var response = await client.SendAsync(submit))
        {
            response.EnsureSuccessStatusCode();
            var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
            var (idleDuringSubmit, submitted) = Split(Drain(tables, queues));

            // Past the proxies: the job row and the queue, until the job succeeded and its message is deleted.
            var queue = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, "agent-jobs");
            while ((await rows.GetEntityAsync<TableEntity>(Org, jobId)).Value.GetString("Status") != "Succeeded"
                || (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
            {
                await Task.Delay(20);
            }

            await Task.Delay(100); // the delete's answer reaches the proxy's count
            var (receives, work) = Split(Drain(tables, queues));

            using var poll = new HttpRequestMessage(HttpMethod.Get, $"api/jobs/{jobId}");
            poll.Headers.Add("X-Org-Id", Org);
            using (var status = await client.SendAsync(poll))
            {
                status.EnsureSuccessStatusCode();
            }

            await Task.Delay(50); // anything written behind the response is flushed before the invocation ends
            var (idleDuringPoll, polled) = Split(Drain(tables, queues));
            return [("submit", submitted), ("worker", work), ("poll", polled), ("listener receives", [.. idle, .. idleDuringSubmit, .. receives, .. idleDuringPoll])];
        }
    }

    private static List<(string Request, double Ms)> Drain(StorageProxy tables, StorageProxy queues) =>
        [.. tables.Drain().Select(r => ("table " + r.Request, r.Ms)), .. queues.Drain().Select(r => ("queue " + r.Request, r.Ms))];

    /// <summary>The queue listeners' receives (the job's one, and the empty ones of idle polling, every queue's) apart from the rest.</summary>
    private static (List<(string Request, double Ms)> Receives, List<(string Request, double Ms)> Work) Split(List<(string Request, double Ms)> requests) =>
        ([.. requests.Where(IsReceive)], [.. requests.Where(r => !IsReceive(r))]);

    private static bool IsReceive((string Request, double Ms) request) => request.Request.StartsWith("queue GET ", StringComparison.Ordinal);
}
