using System.Net;
using System.Net.Http.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.Jobs;

/// <summary>
/// The jobs host with the app's default model retries (<c>Model__MaxRetries</c> 3 for HTTP requests,
/// <c>Model__QueuedMaxRetries</c> 0 inside queue deliveries) and a short back-off, so the retry budget is the real one;
/// attempts end after 2 s and all model calls of an invocation after 10 s.
/// </summary>
public sealed class RetryBudgetHost : JobsHost
{
    public RetryBudgetHost()
    {
        Environment.Remove("Model__MaxRetries");
        Environment["Model__RetryDelay"] = "00:00:00.050";
        Environment["Model__AttemptTimeout"] = "00:00:02";
        Environment["Model__TotalTimeout"] = "00:00:10";
    }
}

/// <summary>Model attempts are budgeted end to end: a job's retries are the queue's redeliveries, not retries inside each delivery.</summary>
public sealed class RetryBudgetTests(RetryBudgetHost host) : IClassFixture<RetryBudgetHost>, IAsyncLifetime
{
    private const string Org = "retry-budget";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => host.RegisterOrgAsync(Org);

    public Task DisposeAsync()
    {
        host.Model.Reset();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Job_ModelFailsEveryCall_ReachesTheModelAtMostSixTimesInAll()
    {
        host.Model.Enqueue([.. Enumerable.Repeat(OpenAiScript.Fault(500), 50)]);

        var jobId = await host.SubmitAsync(Org, "a job the model never answers");
        var job = await host.WaitFinishedAsync(Org, jobId, Patience);
        await host.WaitQueueEmptyAsync("agent-jobs-poison", Patience);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        var attempts = AttemptsFor("a job the model never answers");
        Assert.InRange(attempts, 1, 6);
        // One model attempt per delivery that ran the job: the queue's deliveries (at most 5) are the whole budget.
        Assert.Equal(job.GetProperty("attempts").GetInt32(), attempts);
    }

    [Fact]
    public async Task RunAgent_ModelFailsEveryCall_RetriedWithinTheRequestThen502()
    {
        host.Model.Enqueue([.. Enumerable.Repeat(OpenAiScript.Fault(500), 50)]);

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input = "a run the model never answers" }) };
        request.Headers.Add("X-Org-Id", Org);
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(4, AttemptsFor("a run the model never answers")); // the first attempt and Model__MaxRetries (3) retries
    }

    [Fact]
    public async Task RunAgent_ModelHangs_503WithinTheInvocationBudgetAndNothingStored()
    {
        using var first = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input = "first turn" }) };
        first.Headers.Add("X-Org-Id", Org);
        using var firstResponse = await host.Client.SendAsync(first);
        var conversationId = System.Text.Json.JsonDocument.Parse(await firstResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("conversationId").GetString()!;
        host.Model.Enqueue([.. Enumerable.Repeat(OpenAiScript.Wait(TimeSpan.FromMinutes(2)), 10)]);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/run") { Content = JsonContent.Create(new { input = "a run the model never finishes", conversationId }) };
        request.Headers.Add("X-Org-Id", Org);
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"the run took {clock.Elapsed}");
        var hung = host.Model.ChatRequests.Where(r => r.Messages.Any(m => m.Content == "a run the model never finishes")).ToList();
        Assert.InRange(hung.Count, 1, 5); // attempts of 2 s each, cut by the invocation's 10 s
        Assert.All(await Task.WhenAll(hung.Select(r => r.AbandonedDuringWait)), Assert.True);
        var messages = await host.ConversationMessagesAsync(Org, conversationId);
        Assert.Equal(2, messages.Count); // the first turn only
    }

    private int AttemptsFor(string input) =>
        host.Model.ChatRequests.Count(r => r.Messages.Any(m => m.Role == "user" && m.Content == input));
}
