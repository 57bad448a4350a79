using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;
using ModelContextProtocol.Client;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// <c>ask_agent</c> over MCP versus <c>POST /api/agent/run</c>, side by side in one run, through the local host and the
/// real worker (authentication on, an org key as bearer for both) with the model on the OpenAI-compatible test server
/// (zero latency, answers at once). MCP: one SDK client connected once, as an MCP host keeps it, one <c>tools/call</c>
/// per sample (each a fresh stateless server on the worker). Samples alternate between the two, after a warm-up; each
/// sample is one new conversation. Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- mcp [rounds]
/// </summary>
internal static class McpBenchmark
{
    private const string AdminKey = "bench-admin-key-0123456789abcdefghijklmnopqrstuv";
    private const string Org = "bench-mcp";

    public static async Task RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        var warmup = Math.Max(20, rounds / 10);
        await using var model = await OpenAiTestServer.StartAsync();
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly);
        host.Environment["MULTITENANCY_ENABLED"] = "true";
        host.Environment["Auth__Enabled"] = "true";
        host.Environment["ADMIN_API_KEY"] = AdminKey;
        host.Environment["OpenAI__Endpoint"] = model.OpenAIEndpoint.ToString();
        host.Environment["OpenAI__ChatModel"] = "bench-model";
        await host.InitializeAsync();
        try
        {
            var key = await RegisterAsync(host.Client);
            await using var mcp = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(host.BaseAddress, "api/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
            }));

            async Task RunOverHttp()
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input = "What is the capital of France?" }) };
                request.Headers.Authorization = new("Bearer", key);
                using var response = await host.Client.SendAsync(request);
                response.EnsureSuccessStatusCode();
                await response.Content.ReadAsByteArrayAsync();
            }

            async Task AskOverMcp()
            {
                var result = await mcp.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["input"] = "What is the capital of France?" });
                if (result.IsError is true)
                {
                    throw new InvalidOperationException("ask_agent failed");
                }
            }

            var variants = new (string Name, Func<Task> Call)[] { ("POST /api/agent/run", RunOverHttp), ("MCP tools/call ask_agent", AskOverMcp) };
            var samples = variants.Select(_ => new List<double>(rounds)).ToArray();
            for (var round = 0; round < warmup + rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var v = (round + k) % variants.Length;
                    var watch = Stopwatch.StartNew();
                    await variants[v].Call();
                    if (round >= warmup)
                    {
                        samples[v].Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }

            var medians = samples.Select(Median).ToArray();
            for (var v = 0; v < variants.Length; v++)
            {
                Console.WriteLine($"{variants[v].Name}: median {medians[v]:F2} ms, p90 {Percentile(samples[v], 0.9):F2} ms ({rounds} samples)");
            }

            Console.WriteLine($"ratio of medians, MCP / agent run: {medians[1] / medians[0]:F2}");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task<string> RegisterAsync(HttpClient client)
    {
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{Org}") { Content = JsonContent.Create(new { displayName = "bench" }) })
        {
            put.Headers.Add("X-Admin-Key", AdminKey);
            (await client.SendAsync(put)).EnsureSuccessStatusCode();
        }

        using var post = new HttpRequestMessage(HttpMethod.Post, $"api/admin/orgs/{Org}/keys");
        post.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await client.SendAsync(post);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
