using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>The audit trail of allowed and denied accesses, and quota refusals, through the real middleware.</summary>
[Collection(OrgsHostGroup.Name)]
public sealed class AuditAndQuotaTests(OrgsHost host)
{
    [Fact]
    public async Task GetAudit_AllowedAndDeniedAccesses_IdentifiedOnesInTheOrgsTrailNewestFirstWithoutSecretsOrPrompts()
    {
        const string org = "audit-org";
        const string prompt = "The secret system prompt of the audit org.";
        var key = await host.RegisterWithKeyAsync(org, new { displayName = "Audit", systemPrompt = prompt });
        var intruderKey = await host.RegisterWithKeyAsync("audit-intruder");
        await host.RunAsync(org, key, "an audited question");
        using (var denied = await host.SendAsync(HttpMethod.Get, "api/conversations", org, OrgsHost.Key(intruderKey)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        using (var garbage = await host.SendAsync(HttpMethod.Get, "api/conversations", org, OrgsHost.Key("garbage-key")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        }

        // The foreign credential's refusal is folded into its row of the minute off the response path: wait for it.
        string text;
        List<JsonObject> events;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            text = await host.GetTextAsync("api/audit?limit=50", org, key);
            events = JsonNode.Parse(text)!["events"]!.AsArray().Select(e => e!.AsObject()).ToList();
            if (events.Exists(e => Denied(e, "ListConversations", "forbidden")) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.All(events, e => Assert.Equal(org, e["orgId"]!.GetValue<string>()));
        var run = Assert.Single(events, e => e["function"]!.GetValue<string>() == "RunAgent");
        Assert.Equal("allowed", run["outcome"]!.GetValue<string>(), ignoreCase: true);
        var forbidden = events.FindIndex(e => Denied(e, "ListConversations", "forbidden"));
        Assert.True(forbidden >= 0 && events.IndexOf(run) > forbidden, $"newest first: {text}");
        // Another org's valid key is recorded without its identity; an unidentified caller (401) leaves no row at all.
        Assert.Equal("foreign-credential", events[forbidden]["principal"]!.GetValue<string>());
        Assert.Equal(1, events[forbidden]["count"]!.GetValue<long>());
        Assert.DoesNotContain(events, e => Denied(e, "ListConversations", "unauthorized"));
        var times = events.Select(e => e["at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        foreach (var secret in new[] { key, intruderKey, "garbage-key", OrgsHost.AdminKey, prompt, "an audited question", OrgsHost.PlatformModelKey })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OrgRequests_RequestsPerMinuteSpent_429QuotaExceededWithRetryAfterAndNoModelCall()
    {
        const string org = "quota-rpm";
        var key = await host.RegisterWithKeyAsync(org, new { displayName = "Per minute", quotas = new { requestsPerMinute = 2 } });
        await host.RunAsync(org, key, "one");
        await host.RunAsync(org, key, "two");
        var before = host.ModelRequestCount;

        using var refused = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key), new { input = "three" });

        await AssertQuotaExceededAsync(refused);
        Assert.Equal(before, host.ModelRequestCount);
    }

    [Fact]
    public async Task RunAgent_TokensPerDaySpent_429QuotaExceededWithRetryAfterAndNoModelCall()
    {
        const string org = "quota-tokens";
        var key = await host.RegisterWithKeyAsync(org, new { displayName = "Per day", quotas = new { tokensPerDay = 5 } });
        var first = await host.RunAsync(org, key, "this first run uses more than five tokens in total");
        Assert.True(first["usage"]!["inputTokens"]!.GetValue<long>() + first["usage"]!["outputTokens"]!.GetValue<long>() > 5);
        var before = host.ModelRequestCount;

        using var refused = await host.SendAsync(HttpMethod.Post, "api/agent/run", org, OrgsHost.Key(key), new { input = "one more" });

        await AssertQuotaExceededAsync(refused);
        Assert.Equal(before, host.ModelRequestCount);
    }

    private static bool Denied(JsonObject e, string function, string reason) =>
        e["function"]!.GetValue<string>() == function && e["reason"]?.GetValue<string>() == reason
        && e["outcome"]!.GetValue<string>().Equals("denied", StringComparison.OrdinalIgnoreCase);

    private static async Task AssertQuotaExceededAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("quota_exceeded", (await response.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>());
        Assert.True(response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero, $"Retry-After: {response.Headers.RetryAfter}");
    }
}
