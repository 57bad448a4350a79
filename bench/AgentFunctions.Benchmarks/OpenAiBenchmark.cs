using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// <c>POST /api/v1/chat/completions</c> vs <c>POST /api/agent/run</c> through tools/LocalHost and the real worker, same
/// org, same org key (as bearer), the OpenAI-compatible test server as a zero-latency model, one request at a time,
/// the six variants interleaved in every round (order rotated) after a warm-up: whole request (JSON) and time to the
/// first streamed text (server-sent events); <c>POST /api/v1/responses</c> alongside. <c>/api/agent/run</c> and responses
/// start a new conversation per request (they store the turn; responses also store the response row); chat completions
/// are stateless (they store nothing). All check the quota and record usage.
/// </summary>
internal static class OpenAiBenchmark
{
    private const string AdminKey = "openai-benchmark-admin-key-0123456789abcdef";
    private const string Org = "bench-openai";

    public static async Task RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        await using var model = await OpenAiTestServer.StartAsync();
        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly);
        host.Environment["MULTITENANCY_ENABLED"] = "true";
        host.Environment["DEFAULT_ORG_ID"] = string.Empty;
        host.Environment["Auth__Enabled"] = "true";
        host.Environment["ADMIN_API_KEY"] = AdminKey;
        host.Environment["OpenAI__Endpoint"] = model.OpenAIEndpoint.ToString();
        host.Environment["OpenAI__ApiKey"] = "bench-key";
        host.Environment["OpenAI__ChatModel"] = "bench-chat";
        host.Environment["Model__MaxRetries"] = "0";
        host.Environment["Logging__LogLevel__Default"] = "Warning";
        await host.InitializeAsync();
        try
        {
            var key = await RegisterAsync(host.Client);
            host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            (string Name, Func<HttpClient, int, Task<double>> Run)[] variants =
            [
                ("agent/run, JSON", (c, i) => WholeAsync(c, AgentRun(i, stream: false))),
                ("chat/completions, JSON", (c, i) => WholeAsync(c, ChatCompletion(i, stream: false))),
                ("agent/run, first streamed text", (c, i) => FirstTextAsync(c, AgentRun(i, stream: true), "event: delta")),
                ("chat/completions, first streamed text", (c, i) => FirstTextAsync(c, ChatCompletion(i, stream: true), "\"content\"")),
                ("responses, JSON", (c, i) => WholeAsync(c, Response(i, stream: false))),
                ("responses, first streamed text", (c, i) => FirstTextAsync(c, Response(i, stream: true), "event: response.output_text.delta")),
            ];
            var samples = variants.Select(_ => new List<double>()).ToArray();
            for (var round = -20; round < rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var v = (k + Math.Max(round, 0)) % variants.Length;
                    var ms = await variants[v].Run(host.Client, round);
                    if (round >= 0)
                    {
                        samples[v].Add(ms);
                    }
                }
            }

            Console.WriteLine($"openai: {rounds} rounds after 20 warm-up rounds, one request at a time, zero-latency model, auth on (org key as bearer)");
            Console.WriteLine($"{"variant",-40} {"median ms",10} {"mean ms",10} {"p90 ms",10}");
            for (var v = 0; v < variants.Length; v++)
            {
                var sorted = samples[v].Order().ToList();
                Console.WriteLine($"{variants[v].Name,-40} {Percentile(sorted, 0.5),10:F2} {sorted.Average(),10:F2} {Percentile(sorted, 0.9),10:F2}");
            }

            double Median(int v) => Percentile(samples[v].Order().ToList(), 0.5);
            Console.WriteLine($"ratio chat/completions / agent/run, JSON (median):                {Median(1) / Median(0):F2} (mean {samples[1].Average() / samples[0].Average():F2})");
            Console.WriteLine($"ratio chat/completions / agent/run, first streamed text (median): {Median(3) / Median(2):F2} (mean {samples[3].Average() / samples[2].Average():F2})");
            Console.WriteLine($"ratio responses / agent/run, JSON (median):                       {Median(4) / Median(0):F2} (mean {samples[4].Average() / samples[0].Average():F2})");
            Console.WriteLine($"ratio responses / agent/run, first streamed text (median):        {Median(5) / Median(2):F2} (mean {samples[5].Average() / samples[2].Average():F2})");
            Console.WriteLine($"model requests: {model.ChatRequests.Count}");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static async Task<string> RegisterAsync(HttpClient client)
    {
        using (var register = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{Org}") { Content = JsonContent.Create(new { displayName = Org }) })
        {
            register.Headers.Add("X-Admin-Key", AdminKey);
            (await client.SendAsync(register)).EnsureSuccessStatusCode();
        }

        using var create = new HttpRequestMessage(HttpMethod.Post, $"api/admin/orgs/{Org}/keys");
        create.Headers.Add("X-Admin-Key", AdminKey);
        using var created = await client.SendAsync(create);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
    }

    private static HttpRequestMessage AgentRun(int i, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input = $"benchmark question {i}" }) };
        if (stream)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return request;
    }

    private static HttpRequestMessage ChatCompletion(int i, bool stream) =>
        new(HttpMethod.Post, "api/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "default",
                messages = new[] { new { role = "user", content = $"benchmark question {i}" } },
                stream,
                stream_options = stream ? new { include_usage = true } : null,
            }),
        };

    private static HttpRequestMessage Response(int i, bool stream) =>
        new(HttpMethod.Post, "api/v1/responses") { Content = JsonContent.Create(new { model = "default", input = $"benchmark question {i}", stream }) };

    private static async Task<double> WholeAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsStringAsync();
            response.EnsureSuccessStatusCode();
            return watch.Elapsed.TotalMilliseconds;
        }
    }

    /// <summary>Time until the first line carrying text arrives, then reads the stream to its end (so the next request starts clean).</summary>
    private static async Task<double> FirstTextAsync(HttpClient client, HttpRequestMessage request, string marker)
    {
        using (request)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            double? first = null;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (first is null && line.Contains(marker, StringComparison.Ordinal))
                {
                    first = watch.Elapsed.TotalMilliseconds;
                }
            }

            return first ?? throw new InvalidOperationException("The stream carried no text.");
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
}
