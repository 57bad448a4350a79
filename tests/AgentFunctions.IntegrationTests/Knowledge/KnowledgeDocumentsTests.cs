using AgentFunctions.Errors;
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
/// The background ingestion of large files with the app's registrations: Azurite for tables, blobs and the queue, the
/// OpenAI-compatible test server for embeddings (no client retries, so a scripted fault fails one attempt).
/// </summary>
public sealed class KnowledgeDocumentsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const int Threshold = 1000;
    private readonly OrgId _org = OrgId.Parse($"docs-{Guid.NewGuid():N}");
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OpenAiTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static DocumentUpload Large(string sentence) =>
        new(FileFormat.Text, System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(sentence + " ", (Threshold / sentence.Length) + 5))), "large.txt", "Large", null);

    [Fact]
    public async Task IngestAsync_EmbeddingModelDownThenPoisoned_StaysProcessingThenFailedOldVersionSearchableBlobGone()
    {
        using var services = Services();
        var documents = services.GetRequiredService<KnowledgeDocuments>();
        await documents.PutJsonAsync(_org, "doc", new PutDocumentRequest("Old", "The kettle is in the kitchen.", null), default);
        var accepted = Assert.IsType<DocumentAccepted>(await documents.PutFileAsync(_org, "doc", Large("The kettle moved to the lounge."), default));
        var uploadId = (await services.GetRequiredService<DocumentCatalog>().GetAsync(_org, "doc", default))!.Pending!.UploadId;
        _server.Enqueue(OpenAiScript.Fault(503));

        var attempt = await Assert.ThrowsAsync<ApiException>(() => documents.IngestAsync(_org, "doc", uploadId, default));
        var during = await documents.GetAsync(_org, "doc", default);
        await documents.FailPoisonedAsync(_org, "doc", uploadId, default);
        var after = await documents.GetAsync(_org, "doc", default);

        Assert.Equal(("processing", 502), (accepted.Status, attempt.Status));
        Assert.Equal(("processing", "Old", 1), (during.Status, during.Title, during.Chunks));
        Assert.Equal(("failed", "Old", 1), (after.Status, after.Title, after.Chunks));
        Assert.StartsWith("model_unavailable: ", after.Error, StringComparison.Ordinal);
        Assert.Null(await services.GetRequiredService<DocumentUploads>().ReadAsync(_org, "doc", uploadId, default));
        var hit = Assert.Single((await services.GetRequiredService<KnowledgeService>().SearchAsync(_org, new SearchRequest("kettle", 5), default)).Results);
        Assert.Equal("The kettle is in the kitchen.", hit.Content);
    }

    [Fact]
    public async Task IngestAsync_OlderUploadAfterANewerOne_NothingStoredAndItsBlobDeleted()
    {
        using var services = Services();
        var documents = services.GetRequiredService<KnowledgeDocuments>();
        var catalog = services.GetRequiredService<DocumentCatalog>();
        await documents.PutFileAsync(_org, "doc", Large("First upload text."), default);
        var first = (await catalog.GetAsync(_org, "doc", default))!.Pending!.UploadId;
        await documents.PutFileAsync(_org, "doc", Large("Second upload text."), default);
        var second = (await catalog.GetAsync(_org, "doc", default))!.Pending!.UploadId;

        await documents.IngestAsync(_org, "doc", first, default);
        var afterOld = await documents.GetAsync(_org, "doc", default);
        await documents.IngestAsync(_org, "doc", second, default);
        var afterNew = await documents.GetAsync(_org, "doc", default);

        Assert.Equal(("processing", 0), (afterOld.Status, afterOld.Chunks));
        Assert.Null(await services.GetRequiredService<DocumentUploads>().ReadAsync(_org, "doc", first, default));
        Assert.Equal("ready", afterNew.Status);
        var results = (await services.GetRequiredService<KnowledgeService>().SearchAsync(_org, new SearchRequest("upload text", 5), default)).Results;
        Assert.All(results, r => Assert.StartsWith("Second", r.Content, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_WhileProcessing_RowAndStagedBlobGoneAndLateIngestionStoresNothing()
    {
        using var services = Services();
        var documents = services.GetRequiredService<KnowledgeDocuments>();
        await documents.PutFileAsync(_org, "doc", Large("Staged text."), default);
        var uploadId = (await services.GetRequiredService<DocumentCatalog>().GetAsync(_org, "doc", default))!.Pending!.UploadId;

        await documents.DeleteAsync(_org, "doc", default);
        await documents.IngestAsync(_org, "doc", uploadId, default);

        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => documents.GetAsync(_org, "doc", default))).Status);
        Assert.Null(await services.GetRequiredService<DocumentUploads>().ReadAsync(_org, "doc", uploadId, default));
        Assert.Empty((await services.GetRequiredService<KnowledgeService>().SearchAsync(_org, new SearchRequest("staged", 5), default)).Results);
        Assert.Equal(404, (await Assert.ThrowsAsync<ApiException>(() => documents.DeleteAsync(_org, "doc", default))).Status);
    }

    private ServiceProvider Services()
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["MULTITENANCY_ENABLED"] = "true",
            ["OpenAI:Endpoint"] = _server.OpenAIEndpoint.ToString(),
            ["OpenAI:ChatModel"] = "test-model",
            ["OpenAI:EmbeddingModel"] = "test-embedding",
            ["Model:MaxRetries"] = "0",
            ["Knowledge:AsyncThresholdBytes"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddSingleton<IHostApplicationLifetime, ApplicationLifetime>(); // the worker's host provides it (the MCP transport needs it)
        services.AddAgentFunctions(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
