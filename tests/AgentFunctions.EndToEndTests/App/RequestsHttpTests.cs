using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>
/// docs/requests.http, sent in order as an editor's HTTP client would (file variables, <c># @name</c> responses
/// reused as <c>{{name.response.body.$.field}}</c>) against the real worker with chat and embedding models: every
/// request succeeds, and (through the host's client) every response matches the OpenAPI document.
/// </summary>
public sealed partial class RequestsHttpTests(KnowledgeAgentHost host) : IClassFixture<KnowledgeAgentHost>
{
    [Fact]
    public async Task RequestsHttp_TryItFlowInOrder_EveryRequestSucceeds()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "docs", "requests.http"));
        var variables = FileVariables().Matches(text).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Trim(), StringComparer.Ordinal);
        variables["host"] = host.BaseAddress.ToString().TrimEnd('/');
        variables["adminKey"] = host.AdminKey;
        variables["org"] = $"try-{Guid.NewGuid():N}";
        var responses = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var sent = new List<string>();

        foreach (var block in text.Split("\n###").Skip(1))
        {
            var lines = block.Split('\n').Skip(1).ToList(); // the rest of the ### line is its title
            var name = lines.Select(l => NameLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups["name"].Value;
            lines = [.. lines.Where(l => !l.StartsWith('#') && !FileVariables().IsMatch(l + "\n"))];
            var start = lines.FindIndex(l => l.Trim().Length > 0);
            if (start < 0)
            {
                continue;
            }

            var requestLine = Expand(lines[start], variables, responses).Split(' ', 2);
            using var request = new HttpRequestMessage(new HttpMethod(requestLine[0]), requestLine[1].Trim());
            var index = start + 1;
            string? contentType = null;
            for (; index < lines.Count && lines[index].Trim().Length > 0; index++)
            {
                var header = Expand(lines[index], variables, responses).Split(':', 2);
                if (header[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = header[1].Trim();
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(header[0], header[1].Trim());
                }
            }

            var body = Expand(string.Join('\n', lines.Skip(index)), variables, responses).Trim();
            if (body.Length > 0)
            {
                request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "application/json");
            }

            sent.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
            using var response = await host.Client.SendAsync(request);
            var answer = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{sent[^1]}: {(int)response.StatusCode} {answer}");
            if (name is not null)
            {
                responses[name] = JsonDocument.Parse(answer).RootElement.Clone();
            }

            if (name == "job")
            {
                await WaitForJobAsync(responses["job"].GetProperty("statusUrl").GetString()!, variables["org"]);
            }
        }

        Assert.Equal(
            ["GET /api/health", "PUT /api/admin/orgs/{org}", "POST /api/admin/orgs/{org}/keys", "POST /api/agent/run", "POST /api/agent/run", "POST /api/agent/run",
             "GET /api/conversations/{id}/messages", "PUT /api/documents/travel-policy", "POST /api/search", "POST /api/jobs", "GET /api/jobs/{id}", "GET /api/audit",
             "PUT /api/data/customers/c-1001", "GET /api/data/customers/c-1001", "DELETE /api/admin/orgs/{org}/keys/{id}", "DELETE /api/admin/orgs/{org}"],
            sent.Select(s => s.Replace(variables["org"], "{org}", StringComparison.Ordinal))
                .Select(s => HexId().Replace(s, "/{id}")));
    }

    /// <summary>The flow polls once; a queued job may take a moment, so wait here until it is final, as a person would.</summary>
    private async Task WaitForJobAsync(string statusUrl, string org)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, statusUrl.TrimStart('/'));
            request.Headers.Add("X-Org-Id", org);
            using var response = await host.Client.SendAsync(request);
            using var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var status = job.RootElement.GetProperty("status").GetString();
            if (status is "succeeded" or "failed")
            {
                Assert.Equal("succeeded", status);
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The job {statusUrl} did not finish.");
    }

    private static string Expand(string text, Dictionary<string, string> variables, Dictionary<string, JsonElement> responses) =>
        Reference().Replace(text, m =>
        {
            var reference = m.Groups["ref"].Value;
            var response = ResponseReference().Match(reference);
            if (response.Success)
            {
                Assert.True(responses.TryGetValue(response.Groups["name"].Value, out var value), $"{{{{{reference}}}}} is used before its request was sent.");
                foreach (var property in response.Groups["path"].Value.Split('.'))
                {
                    value = value.GetProperty(property);
                }

                return value.GetString()!;
            }

            Assert.True(variables.TryGetValue(reference, out var variable), $"{{{{{reference}}}}} is not defined.");
            return Expand(variable, variables, responses);
        });

    [GeneratedRegex(@"^@(?<name>\w+)\s*=\s*(?<value>.*)\n", RegexOptions.Multiline)]
    private static partial Regex FileVariables();

    [GeneratedRegex(@"^#\s*@name\s+(?<name>\w+)")]
    private static partial Regex NameLine();

    [GeneratedRegex(@"\{\{(?<ref>[^}]+)\}\}")]
    private static partial Regex Reference();

    [GeneratedRegex(@"^(?<name>\w+)\.response\.body\.\$\.(?<path>[\w.]+)$")]
    private static partial Regex ResponseReference();

    [GeneratedRegex(@"/[0-9a-f]{32}(?=/|$)")]
    private static partial Regex HexId();
}
