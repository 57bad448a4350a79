using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.EndToEndTests.Jobs;

/// <summary>Queued agent runs through the local host, the real worker, Azurite and the model test server.</summary>
public sealed class JobsEndToEndTests(JobsHost host) : IClassFixture<JobsHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Jobs_ManyAcrossSeveralOrgs_AllSucceedWithTheirOwnOutputs()
    {
        string[] orgs = ["jobs-many-a", "jobs-many-b", "jobs-many-c"];
        foreach (var org in orgs)
        {
            await host.RegisterOrgAsync(org);
        }

        var submitted = await Task.WhenAll(orgs.SelectMany(org => Enumerable.Range(0, 10).Select(async i =>
        {
            var input = $"question {i} of {org}";
            return (Org: org, Input: input, JobId: await host.SubmitAsync(org, input));
        })));

        foreach (var (org, input, jobId) in submitted)
        {
            var job = await host.WaitFinishedAsync(org, jobId, Patience);
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            Assert.Equal($"Echo: {input}", job.GetProperty("output").GetString());
            Assert.Equal(1, job.GetProperty("attempts").GetInt32());
            Assert.Equal(jobId, job.GetProperty("jobId").GetString());
            Assert.True(job.TryGetProperty("completedAt", out _));
            var messages = await host.ConversationMessagesAsync(org, job.GetProperty("conversationId").GetString()!);
            Assert.Equal([input, $"Echo: {input}"], messages.Select(m => m.GetProperty("content").GetString()));
        }

        Assert.Equal(30, submitted.Select(s => s.JobId).Distinct().Count());
    }

    [Fact]
    public async Task GetJob_OtherOrgsJob_Is404ExactlyLikeAMissingOne()
    {
        await host.RegisterOrgAsync("jobs-owner");
        await host.RegisterOrgAsync("jobs-intruder");
        var jobId = await host.SubmitAsync("jobs-owner", "owner's secret question");
        await host.WaitFinishedAsync("jobs-owner", jobId, Patience);

        var crossOrg = await host.GetJobAsync("jobs-intruder", jobId);
        var missing = await host.GetJobAsync("jobs-intruder", Guid.NewGuid().ToString("N"));

        Assert.Equal(HttpStatusCode.NotFound, crossOrg.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(missing.Body.GetProperty("code").GetString(), crossOrg.Body.GetProperty("code").GetString());
        Assert.Equal(missing.Body.GetProperty("detail").GetString(), crossOrg.Body.GetProperty("detail").GetString());
        Assert.DoesNotContain("secret", crossOrg.Body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetJob_WaitWhileTheJobRuns_AnswersSucceededInOneRequest()
    {
        const string Input = "answer slowly";
        await host.RegisterOrgAsync("jobs-wait");
        host.Model.EnqueueFor(Input, OpenAiScript.Wait(TimeSpan.FromSeconds(5)));
        var jobId = await host.SubmitAsync("jobs-wait", Input);
        using (var timeout = new CancellationTokenSource(Patience))
        {
            while (!host.Model.ChatRequests.Any(r => r.LastUserMessage == Input))
            {
                await Task.Delay(20, timeout.Token); // the job is running: its model call is being held
            }
        }

        var (status, job) = await host.GetJobAsync("jobs-wait", jobId, wait: "20");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal($"Echo: {Input}", job.GetProperty("output").GetString());
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-1")]
    [InlineData("31")]
    [InlineData("1.5")]
    public async Task GetJob_WaitNotWholeSecondsUpTo30_Is400NamingWait(string wait)
    {
        await host.RegisterOrgAsync("jobs-wait-bad");
        var jobId = await host.SubmitAsync("jobs-wait-bad", "hello");

        var (status, body) = await host.GetJobAsync("jobs-wait-bad", jobId, wait);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", body.GetProperty("code").GetString());
        Assert.Contains("wait", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await host.WaitFinishedAsync("jobs-wait-bad", jobId, Patience);
    }

    [Theory]
    [InlineData("a%20b")]
    [InlineData("x'or'1")]
    [InlineData("-leading-dash")]
    [InlineData("a%7Cb")]
    [InlineData("a%2Fb")]
    public async Task GetJob_HostileJobId_Is400(string jobId)
    {
        await host.RegisterOrgAsync("jobs-hostile");

        var (status, body) = await host.GetJobAsync("jobs-hostile", jobId);

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {body}");
        Assert.Equal("invalid_request", body.GetProperty("code").GetString());
        Assert.Contains("jobId", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Job_ModelFailsTwiceThenWorks_SucceedsWithThreeAttempts()
    {
        await host.RegisterOrgAsync("jobs-retry");
        host.Model.Enqueue(OpenAiScript.Fault(500), OpenAiScript.Fault(503));

        var jobId = await host.SubmitAsync("jobs-retry", "flaky model");
        var job = await host.WaitFinishedAsync("jobs-retry", jobId, Patience);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(3, job.GetProperty("attempts").GetInt32());
        Assert.Equal("Echo: flaky model", job.GetProperty("output").GetString());
        Assert.False(job.TryGetProperty("error", out _));
        Assert.Equal(2, (await host.ConversationMessagesAsync("jobs-retry", job.GetProperty("conversationId").GetString()!)).Count);
    }

    [Fact]
    public async Task Job_ModelAlwaysFails_FailedAfterMaxDequeueCountThroughThePoisonQueue()
    {
        await host.RegisterOrgAsync("jobs-doomed");
        host.Model.Enqueue([.. Enumerable.Repeat(OpenAiScript.Fault(500), JobsHost.MaxDequeueCount)]);

        var jobId = await host.SubmitAsync("jobs-doomed", "never answered");
        var job = await host.WaitFinishedAsync("jobs-doomed", jobId, Patience);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(JobsHost.MaxDequeueCount, job.GetProperty("attempts").GetInt32());
        // Only the poison-queue function writes this reason: the message went through agent-jobs-poison.
        Assert.StartsWith($"The job failed after {JobsHost.MaxDequeueCount} attempt(s). Last error: model_unavailable:", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("moved to agent-jobs-poison", host.Output, StringComparison.Ordinal);
        await host.WaitQueueEmptyAsync("agent-jobs-poison", Patience);
    }

    [Fact]
    public async Task Job_MessageDuplicatedAndRedelivered_StoresOneTurn()
    {
        await host.RegisterOrgAsync("jobs-dup");
        var jobId = await host.SubmitAsync("jobs-dup", "say it once");
        var copy = JsonSerializer.Serialize(new { orgId = "jobs-dup", jobId });
        var queue = host.Queue("agent-jobs");
        await Task.WhenAll(queue.SendMessageAsync(copy), queue.SendMessageAsync(copy));

        var job = await host.WaitFinishedAsync("jobs-dup", jobId, Patience);
        await host.WaitQueueEmptyAsync("agent-jobs", Patience);
        await queue.SendMessageAsync(copy);
        await host.WaitQueueEmptyAsync("agent-jobs", Patience);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, (await host.GetJobAsync("jobs-dup", jobId)).Body.GetProperty("attempts").GetInt32());
        var messages = await host.ConversationMessagesAsync("jobs-dup", job.GetProperty("conversationId").GetString()!);
        Assert.Equal(["say it once", "Echo: say it once"], messages.Select(m => m.GetProperty("content").GetString()));
        Assert.Single(host.Model.ChatRequests, r => r.Messages.Any(m => m.Content == "say it once"));
    }

    [Fact]
    public async Task Job_MessageWithoutValidOrg_IsNeverProcessedAndEndsInTheDeadLetterArchive()
    {
        var body = JsonSerializer.Serialize(new { orgId = "Not An Org", jobId = Guid.NewGuid().ToString("N") });

        await host.Queue("agent-jobs").SendMessageAsync(body);

        var archive = host.Queue("agent-jobs-poison-poison");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if ((await archive.ExistsAsync()).Value && (await archive.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString() == body))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The unroutable message did not reach agent-jobs-poison-poison.\n{host.Output}");
    }

    [Fact]
    public async Task Job_OrgDisabledWhileJobRetries_EndsFailedNotQueuedForever()
    {
        await host.RegisterOrgAsync("jobs-disabled");
        host.Model.Enqueue(OpenAiScript.Fault(500));
        var jobId = await host.SubmitAsync("jobs-disabled", "outlive my org");
        var deadline = DateTime.UtcNow + Patience;
        while (!host.Model.ChatRequests.Any(r => r.LastUserMessage == "outlive my org"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the first attempt never reached the model");
            await Task.Delay(100);
        }

        using (var disable = new HttpRequestMessage(HttpMethod.Put, "api/admin/orgs/jobs-disabled") { Content = JsonContent.Create(new { displayName = "jobs-disabled", enabled = false }) })
        {
            disable.Headers.Add("X-Admin-Key", JobsHost.AdminKey);
            using var response = await host.Client.SendAsync(disable);
            response.EnsureSuccessStatusCode();
        }

        // The org's API is closed now, so read the job row itself.
        var jobs = new TableClient(host.Azurite.ConnectionString, "Jobs");
        while (true)
        {
            var row = (await jobs.GetEntityAsync<TableEntity>("jobs-disabled", jobId)).Value;
            if (row.GetString("Status") == "Failed")
            {
                Assert.Contains("attempt(s)", row.GetString("Error"), StringComparison.Ordinal);
                Assert.Single(host.Model.ChatRequests, r => r.LastUserMessage == "outlive my org");
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the job stayed {row.GetString("Status")}\n{host.Output}");
            await Task.Delay(200);
        }
    }
}
