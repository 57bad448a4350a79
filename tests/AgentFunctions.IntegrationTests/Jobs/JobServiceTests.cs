using System.Diagnostics.Metrics;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Jobs;
using AgentFunctions.Observability;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.IntegrationTests.Jobs;

/// <summary>The job service against real tables and queues on Azurite, with a fake of our <see cref="IAgent"/>.</summary>
public sealed class JobServiceTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly ScriptedAgent _agent = new();
    private readonly JobCompletions _completions = new();

    private TableServiceClient Tables => new(azurite.ConnectionString);

    private QueueServiceClient Queues => StorageClients.CreateQueueServiceClient(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = azurite.ConnectionString }).Build(),
        new StorageResilienceOptions());

    private JobStore Store => new(new TableProvider(Tables));

    private AgentDefinitionStore Agents => new(new TableProvider(Tables), TimeProvider.System, Options.Create(new AgentOptions()), NullLogger<AgentDefinitionStore>.Instance);

    private JobService Service(QueueServiceClient? queues = null, JobStore? store = null, JobCompletions? completions = null) => new(
        store ?? Store,
        completions ?? _completions,
        new StorageJobQueue(new QueueProvider(queues ?? Queues)),
        _agent,
        new StoredAgentDirectory(Agents),
        new KeepEverything(),
        new AgentMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()),
        Options.Create(new JobsOptions()),
        TimeProvider.System,
        NullLogger<JobService>.Instance);

    private static OrgId Org(string name) => OrgId.Parse(name);

    [Fact]
    public async Task SubmitAsync_ValidRequest_WritesQueuedRowAndEnqueuesOrgAndJobId()
    {
        var org = Org("svc-submit");

        var job = await Service().SubmitAsync(org, new AgentRunRequest("hello", null), default);

        var row = await Store.GetAsync(org, job.JobId, default);
        Assert.Equal(JobStatus.Queued, row!.Status);
        Assert.Equal("hello", row.Input);
        Assert.True(Identifiers.IsResourceId(row.ConversationId));
        Assert.True(row.NewConversation); // the id was generated here
        var messages = await Queues.GetQueueClient(StorageJobQueue.Name).PeekMessagesAsync(32);
        var bodies = messages.Value.Select(m => JsonSerializer.Deserialize<JobMessage>(m.Body.ToString())).ToList();
        Assert.Contains(new JobMessage("svc-submit", job.JobId), bodies);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("  ", null)]
    [InlineData("hi", "../other")]
    public async Task SubmitAsync_InvalidRequest_Throws400BeforeAnyWrite(string? input, string? conversationId)
    {
        var org = Org("svc-invalid");

        var error = await Assert.ThrowsAsync<ApiException>(() => Service().SubmitAsync(org, new AgentRunRequest(input, conversationId), default));

        Assert.Equal(400, error.Status);
        Assert.Equal(ErrorCodes.InvalidRequest, error.Code);
        Assert.Empty(await RowsOf(org));
    }

    [Fact]
    public async Task SubmitAsync_QueueUnreachable_Returns503AndLeavesNoQueuedRow()
    {
        var org = Org("svc-noqueue");
        using var nothingListening = new RefusedPort();
        var deadQueue = new QueueServiceClient(
            azurite.ConnectionString.Replace($":{azurite.QueuePort}/", $":{nothingListening.Port}/", StringComparison.Ordinal),
            new QueueClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(2) } });

        var error = await Assert.ThrowsAsync<ApiException>(() => Service(deadQueue).SubmitAsync(org, new AgentRunRequest("hello", null), default));

        Assert.Equal(503, error.Status);
        Assert.Equal(ErrorCodes.QueueUnavailable, error.Code);
        var row = Assert.Single(await RowsOf(org));
        Assert.Equal(JobStatus.Failed, row.Status);
        Assert.Contains("could not be queued", row.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_UnknownAgent_404AndNothingStoredOrQueued()
    {
        var org = Org("svc-noagent");

        var error = await Assert.ThrowsAsync<ApiException>(() => Service().SubmitAsync(org, new AgentRunRequest("hello", null) { Agent = "nobody" }, default));

        Assert.Equal((404, ErrorCodes.AgentNotFound), (error.Status, error.Code));
        Assert.Contains("'nobody'", error.Message, StringComparison.Ordinal);
        Assert.Empty(await RowsOf(org));
        Assert.Empty(_agent.Calls);
    }

    [Fact]
    public async Task SubmitAsync_AnotherOrgsAgentName_404LikeAMissingOneAndNothingStored()
    {
        var owner = Org("svc-agent-owner");
        var intruder = Org("svc-agent-intruder");
        await Agents.PutAsync(owner, new AgentDefinition("private-agent", Instructions: "Owner only."), null, createOnly: true, default);
        var ownerJob = await Service().SubmitAsync(owner, new AgentRunRequest("mine", null) { Agent = "private-agent" }, default);

        var error = await Assert.ThrowsAsync<ApiException>(() => Service().SubmitAsync(intruder, new AgentRunRequest("theirs", null) { Agent = "private-agent" }, default));

        Assert.Equal((404, ErrorCodes.AgentNotFound), (error.Status, error.Code));
        Assert.Equal("private-agent", (await Store.GetAsync(owner, ownerJob.JobId, default))!.Agent);
        Assert.Empty(await RowsOf(intruder));
    }

    [Fact]
    public async Task GetAsync_OtherOrgsJob_Is404ExactlyLikeAMissingOne()
    {
        var service = Service();
        var job = await service.SubmitAsync(Org("svc-owner"), new AgentRunRequest("secret", null), default);

        var crossOrg = await Assert.ThrowsAsync<ApiException>(() => service.GetAsync(Org("svc-intruder"), job.JobId, default));
        var missing = await Assert.ThrowsAsync<ApiException>(() => service.GetAsync(Org("svc-intruder"), Identifiers.NewId(), default));

        Assert.Equal((404, ErrorCodes.NotFound, missing.Message), (crossOrg.Status, crossOrg.Code, crossOrg.Message));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../jobs")]
    [InlineData("a b")]
    [InlineData("x'or'1")]
    [InlineData("-leading")]
    [InlineData("a|b")]
    public async Task GetAsync_HostileJobId_Is400(string jobId)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().GetAsync(Org("svc-hostile"), jobId, default));

        Assert.Equal(400, error.Status);
        Assert.Contains("jobId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessAsync_QueuedJob_SucceedsWithItsOrgsOutputAndUsage()
    {
        var org = Org("svc-run");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("question", null), default);

        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        var done = await service.GetAsync(org, job.JobId, default);
        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal("svc-run:question", done.Output);
        Assert.Equal(new AgentUsage(8, 3), done.Usage);
        Assert.Equal(1, done.Attempts);
        Assert.NotNull(done.CompletedAt);
        var call = Assert.Single(_agent.Calls);
        Assert.Equal((org, job.JobId, job.ConversationId), (call.Org, call.TurnId, call.Request.ConversationId));
        Assert.True(Assert.Single(_agent.NewTurns)); // the first claim: no stored turn to look up
        Assert.True(Assert.Single(_agent.NewConversations)); // a conversation generated at submit: no history to read
    }

    [Fact]
    public async Task ProcessAsync_JobContinuingAClientsConversation_FirstAttemptStillReadsItsHistory()
    {
        var org = Org("svc-client-conv");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("go on", "client-conversation"), default);

        await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        Assert.False((await Store.GetAsync(org, job.JobId, default))!.NewConversation);
        Assert.Equal([true], _agent.NewTurns);
        Assert.Equal([false], _agent.NewConversations);
        Assert.Equal("client-conversation", Assert.Single(_agent.Calls).Request.ConversationId);
    }

    [Fact]
    public async Task ProcessAsync_ClaimStoredButItsAnswerLost_RunsOnItsOwnClaimInsteadOfLeavingTheJobRunning()
    {
        var org = Org("svc-lost-claim");
        var losing = new LoseFirstAnswer(RequestMethod.Put, JobEntity.TableName);
        var service = Service(store: StoreLosing(losing));
        var job = await service.SubmitAsync(org, new AgentRunRequest("lost answer", null), default);

        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        var done = await service.GetAsync(org, job.JobId, default);
        Assert.True(losing.Lost); // the claim reached storage and the client retried it against its own change
        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal((JobStatus.Succeeded, 1), (done.Status, done.Attempts));
        Assert.Equal([true], _agent.NewTurns);
    }

    [Fact]
    public async Task SubmitAsync_InsertStoredButItsAnswerLost_QueuesTheJobInsteadOfFailing()
    {
        var org = Org("svc-lost-insert");
        var losing = new LoseFirstAnswer(RequestMethod.Post, JobEntity.TableName);
        var service = Service(store: StoreLosing(losing));

        var job = await service.SubmitAsync(org, new AgentRunRequest("lost insert", null), default);
        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        Assert.True(losing.Lost);
        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal(JobStatus.Succeeded, (await service.GetAsync(org, job.JobId, default)).Status);
        var messages = await Queues.GetQueueClient(StorageJobQueue.Name).PeekMessagesAsync(32);
        Assert.Contains(new JobMessage("svc-lost-insert", job.JobId), messages.Value.Select(m => JsonSerializer.Deserialize<JobMessage>(m.Body.ToString())));
    }

    /// <summary>A job store whose Table client loses the answer of one request, as <paramref name="losing"/> says.</summary>
    private JobStore StoreLosing(LoseFirstAnswer losing)
    {
        var options = new TableClientOptions();
        options.AddPolicy(losing, HttpPipelinePosition.PerRetry);
        return new JobStore(new TableProvider(new TableServiceClient(azurite.ConnectionString, options)));
    }

    [Fact]
    public async Task GetAsync_WaitingForAJobThisInstanceFinishes_IsWokenAndReturnsItFinished()
    {
        var org = Org("svc-wait");
        var completions = new JobCompletions();
        var service = Service(completions: completions);
        var job = await service.SubmitAsync(org, new AgentRunRequest("wait for me", null), default);

        var waiting = service.GetAsync(org, job.JobId, TimeSpan.FromSeconds(JobService.MaxWaitSeconds), default);
        await UntilAsync(() => completions.Watched == 1); // the read watches the job: it waits unless it is finished
        await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);
        var woken = completions.Watched == 0; // the finish signalled the waiter (else it waits on until its next read)
        var seen = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(woken);
        Assert.Equal(JobStatus.Succeeded, seen.Status);
        Assert.Equal("svc-wait:wait for me", seen.Output);
    }

    [Fact]
    public async Task GetAsync_WaitingForAJobAnotherInstanceFinishes_SeesItByReadingAgain()
    {
        var org = Org("svc-wait-other");
        var completions = new JobCompletions();
        var here = Service(completions: completions);
        var elsewhere = Service(completions: new JobCompletions()); // another instance: its finish signals no one here
        var job = await here.SubmitAsync(org, new AgentRunRequest("finished elsewhere", null), default);

        var waiting = here.GetAsync(org, job.JobId, TimeSpan.FromSeconds(JobService.MaxWaitSeconds), default);
        await UntilAsync(() => completions.Watched == 1);
        await elsewhere.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);
        var seen = await waiting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(JobStatus.Succeeded, seen.Status);
    }

    [Fact]
    public async Task GetAsync_WaitingForAnotherOrgsJob_Is404AtOnceAndNeverWaits()
    {
        var service = Service();
        var job = await service.SubmitAsync(Org("svc-wait-victim"), new AgentRunRequest("mine", null), default);

        var read = service.GetAsync(Org("svc-wait-attacker"), job.JobId, TimeSpan.FromSeconds(JobService.MaxWaitSeconds), default);
        var error = await Assert.ThrowsAsync<ApiException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(404, error.Status);
        Assert.Equal(JobStatus.Queued, (await service.GetAsync(Org("svc-wait-victim"), job.JobId, default)).Status);
    }

    [Fact]
    public async Task GetAsync_WaitRunsOutOnAnUnfinishedJob_ReturnsItAsItIs()
    {
        var org = Org("svc-wait-timeout");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("nobody runs me", null), default);

        var seen = await service.GetAsync(org, job.JobId, TimeSpan.FromMilliseconds(300), default);

        Assert.Equal(JobStatus.Queued, seen.Status);
        Assert.Equal(0, _completions.Watched); // nothing is kept for a read that returned
    }

    [Fact]
    public async Task GetAsync_WaitingReadCancelled_StopsAndKeepsNothing()
    {
        var org = Org("svc-wait-cancel");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("cancel my read", null), default);
        using var cancel = new CancellationTokenSource();

        var waiting = service.GetAsync(org, job.JobId, TimeSpan.FromSeconds(JobService.MaxWaitSeconds), cancel.Token);
        await UntilAsync(() => _completions.Watched == 1);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _completions.Watched);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [Fact]
    public async Task ProcessAsync_FinishedJobRedelivered_DoesNothing()
    {
        var org = Org("svc-redelivered");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("once", null), default);
        await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 2), default);

        Assert.Equal(JobOutcome.AlreadyFinished, outcome);
        Assert.Single(_agent.Calls);
        Assert.Equal(1, (await service.GetAsync(org, job.JobId, default)).Attempts);
    }

    [Fact]
    public async Task ProcessAsync_ModelFailsTwiceThenWorks_SucceedsOnTheThirdAttempt()
    {
        var org = Org("svc-retry");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("retry me", null), default);
        _agent.FailNext(2, ApiException.ModelUnavailable(503, "The model endpoint failed."));

        await Assert.ThrowsAsync<ApiException>(() => service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default));
        var between = await service.GetAsync(org, job.JobId, default);
        await Assert.ThrowsAsync<ApiException>(() => service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 2), default));
        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 3), default);

        Assert.Equal(JobStatus.Queued, between.Status);
        Assert.Equal("model_unavailable: The model endpoint failed.", between.Error);
        Assert.Equal(JobOutcome.Succeeded, outcome);
        var done = await service.GetAsync(org, job.JobId, default);
        Assert.Equal((JobStatus.Succeeded, 3, null), (done.Status, done.Attempts, done.Error));
        Assert.Equal([true, false, false], _agent.NewTurns); // later attempts look for the turn an earlier one may have stored
        Assert.Equal([true, false, false], _agent.NewConversations); // and read the history, which other turns may have joined
    }

    [Fact]
    public async Task ProcessAsync_AgentRefusesForGood_FailsAtOnceWithoutRethrowing()
    {
        var org = Org("svc-refused");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("hi", null), default);
        _agent.FailNext(1, ApiException.InvalidRequest("conversationId", "is unknown."));

        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        var failed = await service.GetAsync(org, job.JobId, default);
        Assert.Equal(JobOutcome.Failed, outcome);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.StartsWith("invalid_request:", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessAsync_TwoDeliveriesRace_RunTheAgentOnce()
    {
        var org = Org("svc-race");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("race", null), default);
        _agent.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);
        await _agent.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var duplicate = await service.ProcessAsync(org, job.JobId, new JobDelivery("m2", 1), timeout.Token);
        _agent.Gate.SetResult();
        var winner = await first;

        Assert.Equal(JobOutcome.HeldByOther, duplicate);
        Assert.Equal(JobOutcome.Succeeded, winner);
        Assert.Single(_agent.Calls);
    }

    [Fact]
    public async Task ProcessAsync_ConcurrentClaimsOnAQueuedJob_OneWins()
    {
        var org = Org("svc-claims");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("claims", null), default);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => service.ProcessAsync(org, job.JobId, new JobDelivery($"m{i}", 1), default)));

        Assert.Single(outcomes, o => o == JobOutcome.Succeeded);
        Assert.All(outcomes.Where(o => o != JobOutcome.Succeeded), o => Assert.True(o is JobOutcome.HeldByOther or JobOutcome.AlreadyFinished));
        Assert.Single(_agent.Calls);
        Assert.Equal(1, (await service.GetAsync(org, job.JobId, default)).Attempts);
    }

    [Fact]
    public async Task ProcessAsync_RedeliveryAfterWorkerCrash_TakesOverAndSucceeds()
    {
        var org = Org("svc-crash");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("crash", null), default);
        var crashed = await Store.TryReplaceAsync(JobStateMachine.Claim((await Store.GetAsync(org, job.JobId, default))!, new JobDelivery("m1", 1), DateTimeOffset.UtcNow), default);

        var outcome = await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 2), default);

        var done = await service.GetAsync(org, job.JobId, default);
        Assert.NotNull(crashed);
        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal((JobStatus.Succeeded, 2), (done.Status, done.Attempts));
        Assert.Equal([false], _agent.NewTurns); // the crashed claim may have stored the turn: it is looked up
    }

    [Fact]
    public async Task ProcessAsync_JobOfAnotherOrg_IsNotFoundAndNotRun()
    {
        var service = Service();
        var job = await service.SubmitAsync(Org("svc-victim"), new AgentRunRequest("mine", null), default);

        var outcome = await service.ProcessAsync(Org("svc-attacker"), job.JobId, new JobDelivery("m1", 1), default);

        Assert.Equal(JobOutcome.NotFound, outcome);
        Assert.Empty(_agent.Calls);
        Assert.Equal(JobStatus.Queued, (await service.GetAsync(Org("svc-victim"), job.JobId, default)).Status);
    }

    [Fact]
    public async Task FailPoisonedAsync_JobAfterFailedAttempts_FailsWithTheLastError()
    {
        var org = Org("svc-poison");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("doomed", null), default);
        _agent.FailNext(int.MaxValue, ApiException.ModelUnavailable(502, "The model endpoint failed."));
        await Assert.ThrowsAsync<ApiException>(() => service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default));

        var outcome = await service.FailPoisonedAsync(org, job.JobId, default);

        var failed = await service.GetAsync(org, job.JobId, default);
        Assert.Equal(JobOutcome.Failed, outcome);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("The job failed after 1 attempt(s). Last error: model_unavailable: The model endpoint failed.", failed.Error);
        Assert.NotNull(failed.CompletedAt);
    }

    [Fact]
    public async Task FailPoisonedAsync_RunningJobOfADeadWorker_Fails()
    {
        var org = Org("svc-abandoned");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("abandoned", null), default);
        await Store.TryReplaceAsync(JobStateMachine.Claim((await Store.GetAsync(org, job.JobId, default))!, new JobDelivery("m1", 5), DateTimeOffset.UtcNow), default);

        await service.FailPoisonedAsync(org, job.JobId, default);

        var failed = await service.GetAsync(org, job.JobId, default);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("abandoned after 1 attempt(s)", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailPoisonedAsync_SucceededJob_StaysSucceeded()
    {
        var org = Org("svc-late-poison");
        var service = Service();
        var job = await service.SubmitAsync(org, new AgentRunRequest("fine", null), default);
        await service.ProcessAsync(org, job.JobId, new JobDelivery("m1", 1), default);

        var outcome = await service.FailPoisonedAsync(org, job.JobId, default);

        Assert.Equal(JobOutcome.AlreadyFinished, outcome);
        Assert.Equal(JobStatus.Succeeded, (await service.GetAsync(org, job.JobId, default)).Status);
    }

    private async Task<List<JobRecord>> RowsOf(OrgId org)
    {
        var table = Tables.GetTableClient("Jobs");
        await table.CreateIfNotExistsAsync();
        var rows = new List<JobRecord>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {org.Value}")))
        {
            rows.Add((await Store.GetAsync(org, entity.RowKey, default))!);
        }

        return rows;
    }
}
