using System.Diagnostics;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.Jobs;

/// <summary>
/// The worker process is killed in the middle of a job (its model call is in flight). The local host
/// stops with it, as a crashed instance would; a second host on the same storage picks the message up
/// when its lease runs out (LocalHost leases for 2 minutes, renewed while running), takes over the
/// dead claim and finishes the job.
/// </summary>
public sealed class JobWorkerCrashTests(JobsHost host) : IClassFixture<JobsHost>
{
    [Fact]
    public async Task Job_WorkerKilledMidRun_SucceedsAfterRedelivery()
    {
        await host.RegisterOrgAsync("jobs-crash");
        host.Model.Enqueue(OpenAiScript.Wait(TimeSpan.FromMinutes(5)));
        var jobId = await host.SubmitAsync("jobs-crash", "survive a crash");
        await WaitUntilAsync(() => host.Model.ChatRequests.Any(r => r.LastUserMessage == "survive a crash"), TimeSpan.FromSeconds(60), "the model call never started");
        var running = (await host.GetJobAsync("jobs-crash", jobId)).Body;

        using (var worker = Process.GetProcessById(host.WorkerProcessId))
        {
            worker.Kill(entireProcessTree: true);
        }

        await WaitUntilAsync(() => !host.WorkerIsRunning(), TimeSpan.FromSeconds(30), "the worker did not die");
        await using var second = new SecondHost(host);
        await second.Host.InitializeAsync();
        var job = await second.Host.WaitFinishedAsync("jobs-crash", jobId, TimeSpan.FromMinutes(4));

        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal("Echo: survive a crash", job.GetProperty("output").GetString());
        var messages = await second.Host.ConversationMessagesAsync("jobs-crash", job.GetProperty("conversationId").GetString()!);
        Assert.Equal(2, messages.Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan patience, string failure)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    private sealed class SecondHost(JobsHost first) : IAsyncDisposable
    {
        public JobsHost Host { get; } = JobsHost.SharingStorageWith(first);

        public async ValueTask DisposeAsync() => await Host.DisposeAsync();
    }
}
