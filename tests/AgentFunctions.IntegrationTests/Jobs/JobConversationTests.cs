using AgentFunctions.Agents;
using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Hosting;
using AgentFunctions.Jobs;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace AgentFunctions.IntegrationTests.Jobs;

/// <summary>
/// Which conversation history a job's run reads: the app's registrations with the real agent, Azurite's Table endpoint
/// reached through a counting <see cref="StorageProxy"/> (a history read is a <c>GET Conversations</c>), the model on
/// the OpenAI-compatible test server (what the model was sent shows what history the run read).
/// </summary>
public sealed class JobConversationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string HistoryRead = "GET Conversations";

    private readonly OrgId _org = OrgId.Parse($"job-conv-{Guid.NewGuid():N}");
    private OpenAiTestServer _model = null!;
    private StorageProxy _tables = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _model = await OpenAiTestServer.StartAsync();
        _tables = new StorageProxy(azurite.TablePort);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = StorageProxy.ConnectionString(azurite, table: _tables),
            ["MULTITENANCY_ENABLED"] = "true",
            ["OpenAI:Endpoint"] = _model.OpenAIEndpoint.ToString(),
            ["OpenAI:ChatModel"] = "test-model",
            ["OpenAI:EmbeddingModel"] = "",
            ["Model:MaxRetries"] = "0",
            ["Model:QueuedMaxRetries"] = "0",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddSingleton<IHostApplicationLifetime, ApplicationLifetime>(); // the worker's host provides it (the MCP transport needs it)
        services.AddAgentFunctions(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _tables.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task ProcessAsync_FirstAttemptOfAConversationGeneratedAtSubmit_ReadsNoHistoryAndStoresTheTurn()
    {
        var job = await SubmitAsync(new AgentRunRequest("first job question", null));

        var (outcome, requests) = await ProcessCountingAsync(job, new JobDelivery("m1", 1));

        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.DoesNotContain(HistoryRead, requests);
        Assert.Equal(
            [(MessageRole.User, "first job question"), (MessageRole.Assistant, "Echo: first job question")],
            await MessagesAsync(job.ConversationId));
    }

    [Fact]
    public async Task ProcessAsync_JobContinuingAClientsConversation_SendsTheModelItsEarlierTurn()
    {
        var earlier = await Agent.RunAsync(_org, new AgentRunRequest("the client's earlier question", null), null, default);
        var job = await SubmitAsync(new AgentRunRequest("the job's question", earlier.ConversationId));
        _model.Reset();

        var (outcome, requests) = await ProcessCountingAsync(job, new JobDelivery("m1", 1));

        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Contains(HistoryRead, requests);
        Assert.Equal(
            [("system", null), ("user", "the client's earlier question"), ("assistant", "Echo: the client's earlier question"), ("user", "the job's question")],
            Assert.Single(_model.ChatRequests).Messages.Select(m => (m.Role, m.Role == "system" ? null : m.Content)));
    }

    [Fact]
    public async Task ProcessAsync_ClientContinuedTheGeneratedConversationBeforeTheJobRan_JobSucceedsAndBothTurnsAreStoredInOrder()
    {
        var job = await SubmitAsync(new AgentRunRequest("the job's question", null));
        await Agent.RunAsync(_org, new AgentRunRequest("the client got in first", job.ConversationId), null, default);
        _model.Reset();

        var (outcome, _) = await ProcessCountingAsync(job, new JobDelivery("m1", 1));

        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal("Echo: the job's question", (await Jobs.GetAsync(_org, job.JobId, default))!.Output);
        // Answered as a new conversation (the other turn not in view), appended after the other turn: nothing lost.
        Assert.DoesNotContain(_model.ChatRequests.Single().Messages, m => m.Content == "the client got in first");
        Assert.Equal(
            [
                (MessageRole.User, "the client got in first"), (MessageRole.Assistant, "Echo: the client got in first"),
                (MessageRole.User, "the job's question"), (MessageRole.Assistant, "Echo: the job's question"),
            ],
            await MessagesAsync(job.ConversationId));
    }

    [Fact]
    public async Task ProcessAsync_ClientStartedTheGeneratedConversationWithAnotherAgent_JobFailsWithConflictAndStoresNoTurn()
    {
        await _services.GetRequiredService<AgentDefinitionStore>().PutAsync(_org, new AgentDefinition("helper", Instructions: "Helps."), null, createOnly: true, default);
        var job = await SubmitAsync(new AgentRunRequest("the job's question", null) { Agent = "helper" });
        await Agent.RunAsync(_org, new AgentRunRequest("the client got in first", job.ConversationId), null, default);

        var (outcome, _) = await ProcessCountingAsync(job, new JobDelivery("m1", 1));

        // As if its window read had seen the conversation: a conversation stays with the agent of its first turn.
        Assert.Equal(JobOutcome.Failed, outcome);
        var failed = (await Jobs.GetAsync(_org, job.JobId, default))!;
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("was started with agent 'default'; it cannot be continued with agent 'helper'", failed.Error, StringComparison.Ordinal);
        Assert.Equal(
            [(MessageRole.User, "the client got in first"), (MessageRole.Assistant, "Echo: the client got in first")],
            await MessagesAsync(job.ConversationId));
    }

    [Fact]
    public async Task ProcessAsync_SecondAttemptAfterAFailedFirst_ReadsTheHistoryAgain()
    {
        var job = await SubmitAsync(new AgentRunRequest("the job's question", null));
        _model.Enqueue(OpenAiScript.Fault(503));
        await Assert.ThrowsAsync<ApiException>(() => ProcessCountingAsync(job, new JobDelivery("m1", 1)));
        await Agent.RunAsync(_org, new AgentRunRequest("a turn between the attempts", job.ConversationId), null, default);
        _model.Reset();

        var (outcome, requests) = await ProcessCountingAsync(job, new JobDelivery("m1", 2));

        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Contains(HistoryRead, requests);
        Assert.Contains(Assert.Single(_model.ChatRequests).Messages, m => m is { Role: "user", Content: "a turn between the attempts" });
        Assert.Equal(4, (await MessagesAsync(job.ConversationId)).Count);
    }

    [Fact]
    public async Task ProcessAsync_RowStoredBeforeNewConversationWasRecorded_ReadsTheHistory()
    {
        // A job row as submit wrote it before the row said whether its conversation was generated: no such property.
        var jobId = Identifiers.NewId();
        var conversationId = Identifiers.NewId();
        var rows = new TableClient(azurite.ConnectionString, JobEntity.TableName);
        await rows.CreateIfNotExistsAsync();
        await rows.AddEntityAsync(new TableEntity(_org.Value, jobId)
        {
            ["Status"] = nameof(JobStatus.Queued),
            ["Input"] = "an old job",
            ["ConversationId"] = conversationId,
            ["Attempts"] = 0,
            ["CreatedAt"] = DateTimeOffset.UtcNow,
            ["ClaimDequeueCount"] = 0L,
        });
        var job = (await Jobs.GetAsync(_org, jobId, default))!;

        var (outcome, requests) = await ProcessCountingAsync(job, new JobDelivery("m1", 1));

        Assert.False(job.NewConversation);
        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Single(requests, r => r == HistoryRead);
        Assert.Equal(2, (await MessagesAsync(conversationId)).Count);
    }

    private IAgent Agent => _services.GetRequiredService<IAgent>();

    private JobStore Jobs => _services.GetRequiredService<JobStore>();

    private async Task<JobRecord> SubmitAsync(AgentRunRequest request)
    {
        using var scope = _services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<JobService>().SubmitAsync(_org, request, default);
    }

    /// <summary>One delivery of the job, and the Table requests it made ("METHOD Table").</summary>
    private async Task<(JobOutcome Outcome, List<string> Requests)> ProcessCountingAsync(JobRecord job, JobDelivery delivery)
    {
        _tables.Drain();
        using var scope = _services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<JobService>().ProcessAsync(_org, job.JobId, delivery, default);
        return (outcome, [.. _tables.Drain().Select(r => r.Request)]);
    }

    private async Task<List<(MessageRole Role, string Content)>> MessagesAsync(string conversationId)
    {
        var page = await _services.GetRequiredService<IConversationStore>().GetMessagesAsync(_org, conversationId, new MessagePageRequest(100), default);
        return [.. page!.Messages.Select(m => (m.Role, m.Content))];
    }
}
