using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.EndToEndTests.App;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.Jobs;

/// <summary>
/// The jobs host with a <see cref="StorageProxy"/> between it (the worker and the local host's queue listener alike)
/// and Azurite's table and queue endpoints, so a test can take storage away (refusing or hanging) and bring it back.
/// Storage settings are the app's defaults (4 s per try, 2 retries).
/// </summary>
public sealed class StorageFaultHost : JobsHost
{
    public StorageFaultHost()
        : base(new AzuriteFixture())
    {
    }

    public StorageProxy TableProxy { get; private set; } = null!;

    public StorageProxy QueueProxy { get; private set; } = null!;

    /// <summary>Both proxies: storage as the app sees it.</summary>
    public StorageProxyMode Storage
    {
        set
        {
            TableProxy.Mode = value;
            QueueProxy.Mode = value;
        }
    }

    public override async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        TableProxy = new StorageProxy(Azurite.TablePort);
        QueueProxy = new StorageProxy(Azurite.QueuePort);
        Environment["AzureWebJobsStorage"] = StorageProxy.ConnectionString(Azurite, queue: QueueProxy, table: TableProxy);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await TableProxy.DisposeAsync();
            await QueueProxy.DisposeAsync();
            await Azurite.DisposeAsync();
        }
    }
}

/// <summary>
/// Storage outages through the local host, the real worker and a proxy in front of Azurite: answers are 503
/// <c>storage_unavailable</c> with <c>Retry-After</c> within the storage budget (never a 500, never a hang), nothing is
/// half-written, the local host's queue listener polls through the outage, and jobs caught by it finish soon after
/// storage is back.
/// </summary>
public sealed class StorageFaultTests(StorageFaultHost host) : IClassFixture<StorageFaultHost>, IAsyncLifetime
{
    private const string Org = "storage-faults";

    /// <summary>Three tries of 4 s and two short back-offs, plus slack for a loaded machine.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(40);

    public Task InitializeAsync() => host.RegisterOrgAsync(Org);

    public Task DisposeAsync()
    {
        host.Storage = StorageProxyMode.Forward;
        host.Model.Reset();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData(StorageProxyMode.Refuse)]
    [InlineData(StorageProxyMode.Hang)]
    public async Task RunAgent_StorageUnavailable_503StorageUnavailableWithinTheBudgetAndNoTurnStored(StorageProxyMode outage)
    {
        var conversationId = await RunOkAsync("before the outage");

        host.Storage = outage;
        var clock = Stopwatch.StartNew();
        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", Org, new { input = "during the outage", conversationId });
        using var response = await host.Client.SendAsync(request);
        var elapsed = clock.Elapsed;
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        host.Storage = StorageProxyMode.Forward;

        ProblemAssert.Is(response, body, 503, "storage_unavailable");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
        Assert.True(elapsed < AnswerBound, $"the answer took {elapsed}");
        var messages = await host.ConversationMessagesAsync(Org, conversationId);
        Assert.Equal(["before the outage", "Echo: before the outage"], messages.Select(m => m.GetProperty("content").GetString()));
    }

    [Theory]
    [InlineData(StorageProxyMode.Refuse)]
    [InlineData(StorageProxyMode.Hang)]
    public async Task Jobs_CaughtByStorageOutage_FinishSoonAfterStorageReturnsWithOneTurnEach(StorageProxyMode outage)
    {
        // The model holds each job's run, so the outage starts while the jobs are running.
        var before = host.Model.ChatRequests.Count;
        host.Model.Enqueue([.. Enumerable.Repeat(OpenAiScript.Wait(TimeSpan.FromSeconds(3)), 3)]);
        var jobs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await host.SubmitAsync(Org, $"job {i} across a {outage} outage"));
        }

        await WaitUntilAsync(() => host.Model.ChatRequests.Count >= before + 3, TimeSpan.FromSeconds(30));
        host.Storage = outage;
        await Task.Delay(TimeSpan.FromSeconds(20)); // every delivery fails meanwhile; the listener keeps polling into the outage
        host.Storage = StorageProxyMode.Forward;

        var clock = Stopwatch.StartNew();
        foreach (var jobId in jobs)
        {
            var job = await host.WaitFinishedAsync(Org, jobId, TimeSpan.FromSeconds(90));
            Assert.Equal("succeeded", job.GetProperty("status").GetString());
            var messages = await host.ConversationMessagesAsync(Org, job.GetProperty("conversationId").GetString()!);
            Assert.Equal(2, messages.Count); // one turn: nothing half-written, nothing written twice
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(75), $"the jobs finished {clock.Elapsed} after storage returned");
        Assert.Contains("Polling queue agent-jobs failed", host.Output, StringComparison.Ordinal);

        // The listener survived: a job submitted now runs.
        var after = await host.SubmitAsync(Org, "after the outage");
        Assert.Equal("succeeded", (await host.WaitFinishedAsync(Org, after, TimeSpan.FromSeconds(30))).GetProperty("status").GetString());
    }

    private async Task<string> RunOkAsync(string input)
    {
        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", Org, new { input });
        using var response = await host.Client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("conversationId").GetString()!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {patience}");
            await Task.Delay(100);
        }
    }
}
