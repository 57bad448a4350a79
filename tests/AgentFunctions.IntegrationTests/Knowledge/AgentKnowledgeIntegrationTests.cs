using AgentFunctions.Agents;
using AgentFunctions.Hosting;
using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace AgentFunctions.IntegrationTests.Knowledge;

/// <summary>
/// The real agent with the app's registrations: the embedded knowledge store on Azurite, embeddings and chat from the
/// OpenAI-compatible test server over HTTP. Two orgs hold a document with the same id and different content.
/// </summary>
public sealed class AgentKnowledgeIntegrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string DocumentId = "handbook";
    private const string TextA = "The office cat is called Marmalade and sleeps in the mailroom.";
    private const string TextB = "The office cat is called Biscuit and sleeps in the boardroom.";

    private readonly OrgId _orgA = OrgId.Parse($"org-a-{Guid.NewGuid():N}");
    private readonly OrgId _orgB = OrgId.Parse($"org-b-{Guid.NewGuid():N}");
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OpenAiTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task RunAsync_TwoOrgsSameDocumentId_ModelSeesOnlyTheRunsOrgChunkAndCitationsNameIt()
    {
        using var services = Services();
        await PutBothAsync(services);
        var agent = services.GetRequiredService<IAgent>();

        var resultA = await agent.RunAsync(_orgA, new AgentRunRequest("What is the office cat called?", null), null, default);
        var requestsA = _server.ChatRequests;
        _server.Reset();
        var resultB = await agent.RunAsync(_orgB, new AgentRunRequest("What is the office cat called?", null), null, default);

        Assert.Equal([new Citation(DocumentId, "Handbook A")], resultA.Citations);
        Assert.Equal([new Citation(DocumentId, "Handbook B")], resultB.Citations);
        var request = Assert.Single(requestsA);
        Assert.Contains(request.Messages, m => m.Role == "system" && m.Content!.Contains(TextA, StringComparison.Ordinal) && m.Content.Contains(KnowledgeSource.Framing, StringComparison.Ordinal));
        Assert.DoesNotContain("Biscuit", request.Body, StringComparison.Ordinal);
        Assert.Contains(TextB, Assert.Single(_server.ChatRequests).Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Marmalade", _server.ChatRequests[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelCallsSearchKnowledgeNamingAnotherOrg_ToolResultHasOnlyTheRunsOrgAndIsCited()
    {
        // Automatic retrieval off, so the chunk can only reach the model through the tool.
        using var services = Services(("Knowledge:RetrievalTop", "0"));
        await PutBothAsync(services);
        _server.Enqueue(OpenAiScript.CallTool(KnowledgeToolProvider.ToolName, $$"""{"query":"office cat","orgId":"{{_orgB.Value}}"}"""));

        var result = await services.GetRequiredService<IAgent>().RunAsync(_orgA, new AgentRunRequest("Ask the knowledge base about the cat.", null), null, default);

        Assert.Equal(2, _server.ChatRequests.Count);
        var first = _server.ChatRequests[0];
        Assert.Contains(KnowledgeToolProvider.ToolName, first.ToolNames);
        Assert.DoesNotContain("Marmalade", first.Body, StringComparison.Ordinal);
        var toolResult = Assert.Single(_server.ChatRequests[1].Messages, m => m.Role == "tool");
        Assert.Contains(TextA, toolResult.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("Biscuit", _server.ChatRequests[1].Body, StringComparison.Ordinal);
        Assert.Contains("Marmalade", result.Output, StringComparison.Ordinal); // the test server answers with the tool's result
        Assert.Equal([new Citation(DocumentId, "Handbook A")], result.Citations);
    }

    [Fact]
    public async Task RunAsync_EmptyKnowledgeBase_NoEmbeddingCallNoContextNoCitations()
    {
        using var services = Services();

        var result = await services.GetRequiredService<IAgent>().RunAsync(_orgA, new AgentRunRequest("Hello there", null), null, default);

        Assert.Equal("Echo: Hello there", result.Output);
        Assert.Empty(result.Citations);
        Assert.Empty(_server.EmbeddingRequests);
        Assert.Equal(["system", "user"], Assert.Single(_server.ChatRequests).Messages.Select(m => m.Role));
    }

    [Fact]
    public async Task RunAsync_NoEmbeddingModelConfigured_LexicalRetrievalOfOwnOrgOnlyWithCitations()
    {
        using var services = Services(("OpenAI:EmbeddingModel", ""));
        await PutBothAsync(services);

        var result = await services.GetRequiredService<IAgent>().RunAsync(_orgA, new AgentRunRequest("What is the office cat called?", null), null, default);

        Assert.Empty(_server.EmbeddingRequests);
        Assert.Equal([new Citation(DocumentId, "Handbook A")], result.Citations);
        var request = Assert.Single(_server.ChatRequests);
        Assert.Contains(TextA, request.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Biscuit", request.Body, StringComparison.Ordinal);
        Assert.Contains(KnowledgeToolProvider.ToolName, request.ToolNames);
    }

    [Fact]
    public async Task PutDocumentAsync_WithEmbeddingModel_EmbeddingTokensCountedInTodaysUsage()
    {
        using var services = Services();
        var knowledge = services.GetRequiredService<KnowledgeService>();

        await knowledge.PutDocumentAsync(_orgA, DocumentId, new PutDocumentRequest("Handbook A", TextA, null), default);
        await knowledge.SearchAsync(_orgA, new SearchRequest("office cat", 2), default);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var days = await services.GetRequiredService<AgentFunctions.Usage.TableUsageStore>().ListAsync(_orgA, today.AddDays(-1), today, default);
        Assert.True(days.Sum(d => d.EmbeddingTokens) > 0);
        Assert.All(days, d => Assert.Equal((0, 0, d.EmbeddingTokens), (d.InputTokens, d.OutputTokens, d.TotalTokens)));
    }

    private async Task PutBothAsync(ServiceProvider services)
    {
        var knowledge = services.GetRequiredService<KnowledgeService>();
        await knowledge.PutDocumentAsync(_orgA, DocumentId, new PutDocumentRequest("Handbook A", TextA, null), default);
        await knowledge.PutDocumentAsync(_orgB, DocumentId, new PutDocumentRequest("Handbook B", TextB, null), default);
        _server.Reset();
    }

    private ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["MULTITENANCY_ENABLED"] = "true",
            ["OpenAI:Endpoint"] = _server.OpenAIEndpoint.ToString(),
            ["OpenAI:ChatModel"] = "test-model",
            ["OpenAI:EmbeddingModel"] = "test-embedding",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddSingleton<IHostApplicationLifetime, ApplicationLifetime>(); // the worker's host provides it (the MCP transport needs it)
        services.AddAgentFunctions(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
