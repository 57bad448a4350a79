using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;
using AgentFunctions.Testing;
using AgentFunctions.Tests.Agents;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Knowledge;

public sealed class KnowledgeServiceTests
{
    private static readonly OrgId Org = OrgId.Parse("org-a");
    private readonly RecordingKnowledgeStore _store = new();
    private readonly HashingEmbeddingGenerator _embeddings = new();
    private readonly FixedAvailability _availability = new() { HasEmbeddingModel = true };
    private readonly RecordingUsageMeter _usage = new();

    private KnowledgeService Service(KnowledgeOptions? options = null, IEmbeddingGenerator<string, Embedding<float>>? embeddings = null) =>
        new(_store, embeddings ?? _embeddings, _availability, _usage, Options.Create(options ?? new KnowledgeOptions()), NullLogger<KnowledgeService>.Instance);

    private static string LongText(int sentences) =>
        string.Join(' ', Enumerable.Range(0, sentences).Select(i => $"Fact {i} is about subject {i}."));

    [Fact]
    public async Task PutDocumentAsync_ServerReportsNoUsage_MetersEachBatchAsEmbeddingTokensOutsideAnyAgent()
    {
        var service = Service(new KnowledgeOptions { ChunkSize = 200, ChunkOverlap = 20, EmbeddingBatchSize = 3 });

        var content = LongText(30);
        await service.PutDocumentAsync(Org, "doc-1", new PutDocumentRequest("Title", content, null), default);

        Assert.True(_embeddings.BatchSizes.Count > 1);
        Assert.Equal(_embeddings.BatchSizes.Count, _usage.Entries.Count);
        Assert.All(_usage.Entries, e => Assert.Equal((UsageEntry.NoAgent, 0L, 0L, 0), (e.Agent, e.ChatInputTokens, e.ChatOutputTokens, e.Runs)));
        // One token per 4 characters of every text embedded: at least the whole content once (chunks overlap and carry the title).
        Assert.InRange(_usage.Entries.Sum(e => e.EmbeddingTokens), content.Length / 4, content.Length);
        Assert.Empty(_usage.Recorded);
    }

    [Fact]
    public async Task PutDocumentAsync_LongDocument_EmbedsInBatchesAndStoresNumberedChunks()
    {
        var service = Service(new KnowledgeOptions { ChunkSize = 200, ChunkOverlap = 20, EmbeddingBatchSize = 3 });

        var result = await service.PutDocumentAsync(Org, "doc-1", new PutDocumentRequest("Title", LongText(100), null), default);

        var (org, document, chunks) = Assert.Single(_store.Replaced);
        Assert.Equal(Org, org);
        Assert.Equal("doc-1", document.DocumentId);
        Assert.Equal(result.Chunks, chunks.Count);
        Assert.True(chunks.Count > 10);
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Number));
        Assert.All(chunks, c => Assert.Equal(_embeddings.Dimensions, c.Embedding.Length));
        Assert.All(_embeddings.BatchSizes, size => Assert.InRange(size, 1, 3));
        Assert.Equal(chunks.Count, _embeddings.BatchSizes.Sum());
    }

    [Fact]
    public async Task PutDocumentAsync_Metadata_StoredAsCompactJson()
    {
        var metadata = JsonDocument.Parse("""{"source":"wiki","tags":["a"]}""").RootElement;

        await Service().PutDocumentAsync(Org, "doc-1", new PutDocumentRequest("T", "Some content.", metadata), default);

        Assert.Equal("""{"source":"wiki","tags":["a"]}""", _store.Replaced[0].Document.Metadata);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a|b")]
    [InlineData("x' or orgId ne 'a")]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    public async Task PutDocumentAsync_BadDocumentId_400BeforeAnyIo(string documentId)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().PutDocumentAsync(Org, documentId, new PutDocumentRequest("T", "content", null), default));

        Assert.Equal(400, error.Status);
        Assert.Contains("documentId", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Replaced);
        Assert.Empty(_embeddings.BatchSizes);
    }

    [Theory]
    [InlineData(null, "content")]
    [InlineData("   \n", "content")]
    public async Task PutDocumentAsync_EmptyContent_400NamingContent(string? content, string field)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", content, null), default));

        Assert.Equal(400, error.Status);
        Assert.Contains($"'{field}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Replaced);
    }

    [Fact]
    public async Task PutDocumentAsync_MissingTitle_400NamingTitle()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().PutDocumentAsync(Org, "doc", new PutDocumentRequest(null, "content", null), default));

        Assert.Equal(ErrorCodes.InvalidRequest, error.Code);
        Assert.Contains("'title'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutDocumentAsync_ContentOverLimit_413()
    {
        var service = Service(new KnowledgeOptions { MaxDocumentCharacters = 1000 });

        var error = await Assert.ThrowsAsync<ApiException>(() => service.PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", new string('x', 1001), null), default));

        Assert.Equal(413, error.Status);
        Assert.Equal(ErrorCodes.PayloadTooLarge, error.Code);
        Assert.Empty(_store.Replaced);
        Assert.Empty(_embeddings.BatchSizes);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    public async Task PutDocumentAsync_MetadataNotObject_400NamingMetadata(string json)
    {
        var metadata = JsonDocument.Parse(json).RootElement;

        var error = await Assert.ThrowsAsync<ApiException>(() => Service().PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", "content", metadata), default));

        Assert.Contains("'metadata'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    [InlineData(-3)]
    public async Task SearchAsync_TopOutOfRange_400NamingTop(int top)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().SearchAsync(Org, new SearchRequest("query", top), default));

        Assert.Equal(400, error.Status);
        Assert.Contains("'top'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Searches);
    }

    [Fact]
    public async Task SearchAsync_EmptyQuery_400NamingQuery()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().SearchAsync(Org, new SearchRequest(" ", null), default));

        Assert.Contains("'query'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_NoTop_SearchesOrgWithDefaultTopAndQueryVector()
    {
        _store.Hits = [new KnowledgeHit("doc", 0, "Title", "text", 0.9)];

        var response = await Service().SearchAsync(Org, new SearchRequest("what is it", null), default);

        var (org, text, vector, top) = Assert.Single(_store.Searches);
        Assert.Equal((Org, "what is it", KnowledgeService.DefaultTop), (org, text, top));
        Assert.Equal(_embeddings.Embed("what is it"), vector.ToArray());
        Assert.Equal([new SearchResultItem("doc", "Title", "text", 0.9, null, null)], response.Results);
    }

    [Fact]
    public async Task DeleteDocumentAsync_NotInOrg_False()
    {
        Assert.False(await Service().DeleteDocumentAsync(Org, "missing", default));
    }

    [Fact]
    public async Task PutDocumentAsync_EmbeddingModelFails_502ModelUnavailableAndNothingStored()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() =>
            Service(embeddings: new FailingGenerator()).PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", "content", null), default));

        Assert.Equal(502, error.Status);
        Assert.Equal(ErrorCodes.ModelUnavailable, error.Code);
        Assert.Empty(_store.Replaced);
    }

    [Theory]
    [InlineData(1000, 500, "Knowledge__ChunkOverlap")]
    [InlineData(50, 0, "Knowledge__ChunkSize")]
    public void KnowledgeOptions_BadValues_FailValidationNamingSetting(int size, int overlap, string setting)
    {
        var options = new KnowledgeOptions { ChunkSize = size, ChunkOverlap = overlap };
        var results = new List<ValidationResult>();

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains(results, r => r.ErrorMessage!.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PutDocumentAsync_NoEmbeddingModel_StoresChunksWithoutVectorsAndCallsNoModel()
    {
        _availability.HasEmbeddingModel = false;

        var result = await Service().PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", LongText(200), null), default);

        var (_, _, chunks) = Assert.Single(_store.Replaced);
        Assert.Equal(result.Chunks, chunks.Count);
        Assert.All(chunks, c => Assert.True(c.Embedding.IsEmpty));
        Assert.Empty(_embeddings.BatchSizes);
        Assert.Equal(0, _usage.Checks);
    }

    [Fact]
    public async Task SearchAsync_NoEmbeddingModel_LexicalSearchWithoutModelCall()
    {
        _availability.HasEmbeddingModel = false;

        await Service().SearchAsync(Org, new SearchRequest("what is it", 3), default);

        var search = Assert.Single(_store.Searches);
        Assert.True(search.Vector.IsEmpty);
        Assert.Empty(_embeddings.BatchSizes);
    }

    [Fact]
    public async Task RetrieveAsync_OrgHasKnowledge_QueryTokensMeteredBeforeTheHitsAreReturned()
    {
        var meter = new GatedUsageMeter();
        _store.Hits = [new KnowledgeHit("doc-1", 0, "Atlas", "Paris.", 0.9)];
        var service = new KnowledgeService(_store, _embeddings, _availability, meter, Options.Create(new KnowledgeOptions()), NullLogger<KnowledgeService>.Instance);

        var retrieving = service.RetrieveAsync(Org, "capital of France", 3, default);
        await meter.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(_store.Searches); // the search ran while the usage write was under way
        Assert.False(retrieving.IsCompleted);
        meter.Release.SetResult();
        Assert.Single(await retrieving);
        Assert.Equal((UsageEntry.NoAgent, 0L, 0L, 0), (meter.Entry!.Agent, meter.Entry.ChatInputTokens, meter.Entry.ChatOutputTokens, meter.Entry.Runs));
        Assert.True(meter.Entry.EmbeddingTokens > 0);
    }

    [Fact]
    public async Task SearchAsync_OverQuota_429BeforeAnyEmbeddingCall()
    {
        _usage.Refuse = new ApiException(429, ErrorCodes.QuotaExceeded, "used up");

        var error = await Assert.ThrowsAsync<ApiException>(() => Service().SearchAsync(Org, new SearchRequest("q", null), default));

        Assert.Equal((429, ErrorCodes.QuotaExceeded), (error.Status, error.Code));
        Assert.Empty(_embeddings.BatchSizes);
        Assert.Empty(_store.Searches);
    }

    [Fact]
    public async Task PutDocumentAsync_OverQuota_429BeforeAnyEmbeddingCallAndNothingStored()
    {
        _usage.Refuse = new ApiException(429, ErrorCodes.QuotaExceeded, "used up");

        var error = await Assert.ThrowsAsync<ApiException>(() => Service().PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", "content", null), default));

        Assert.Equal(429, error.Status);
        Assert.Empty(_embeddings.BatchSizes);
        Assert.Empty(_store.Replaced);
    }

    [Fact]
    public async Task PutDocumentAsync_OrgWouldExceedMaxChunks_413NamingSettingBeforeEmbedding()
    {
        _store.Stats = new KnowledgeStats(OrgChunks: 99, DocumentChunks: 0);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            Service(new KnowledgeOptions { MaxChunksPerOrg = 100, ChunkSize = 200, ChunkOverlap = 20 }).PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", LongText(30), null), default));

        Assert.Equal(413, error.Status);
        Assert.Contains("Knowledge__MaxChunksPerOrg", error.Message, StringComparison.Ordinal);
        Assert.Empty(_embeddings.BatchSizes);
        Assert.Empty(_store.Replaced);
    }

    [Fact]
    public async Task PutDocumentAsync_ReplacingWithinMaxChunks_Accepted()
    {
        _store.Stats = new KnowledgeStats(OrgChunks: 100, DocumentChunks: 50);

        await Service(new KnowledgeOptions { MaxChunksPerOrg = 100 }).PutDocumentAsync(Org, "doc", new PutDocumentRequest("T", "short", null), default);

        Assert.Single(_store.Replaced);
    }

    [Fact]
    public async Task PutFileAsync_PdfWithoutTitle_ChunksKeepTheirPageAndEmbedTheTitleNamedByTheFile()
    {
        var pdf = TestDocuments.Pdf("Safety manual", "Wear goggles in the lab.", "Gloves are in the cabinet.");

        var result = await Service().PutFileAsync(Org, "safety", new DocumentUpload(FileFormat.Pdf, pdf, "safety.pdf", null, null), default);

        var (_, document, chunks) = Assert.Single(_store.Replaced);
        Assert.Equal(("Safety manual", 2, "ready"), (result.Title, result.Chunks, result.Status));
        Assert.Equal("Safety manual", document.Title);
        Assert.Equal([1, 2], chunks.Select(c => c.Page));
        Assert.All(chunks, c => Assert.Null(c.Section));
    }

    [Fact]
    public async Task PutFileAsync_MarkdownSections_EmbeddingInputCarriesTitleAndHeadingPath()
    {
        var markdown = "# Guide\n\nIntro.\n\n## Setup\n\nInstall it.\n"u8.ToArray();

        await Service().PutFileAsync(Org, "guide", new DocumentUpload(FileFormat.Markdown, markdown, null, "My guide", null), default);

        var chunks = _store.Replaced[0].Chunks;
        Assert.Equal([("Guide", "Intro."), ("Guide › Setup", "Install it.")], chunks.Select(c => (c.Section, c.Content)));
        Assert.Contains("My guide › Guide › Setup\n\nInstall it.", _embeddings.Inputs);
    }

    [Fact]
    public async Task PutFileAsync_NoTitleAnywhere_FileNameThenDocumentId()
    {
        var text = "Plain words."u8.ToArray();

        var named = await Service().PutFileAsync(Org, "a", new DocumentUpload(FileFormat.Text, text, "notes.txt", null, null), default);
        var unnamed = await Service().PutFileAsync(Org, "b", new DocumentUpload(FileFormat.Text, text, null, null, null), default);

        Assert.Equal(("notes.txt", "b"), (named.Title, unnamed.Title));
    }

    [Fact]
    public async Task PutFileAsync_EncryptedPdf_422NamingItAndNothingEmbeddedOrStored()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Service().PutFileAsync(Org, "locked", new DocumentUpload(FileFormat.Pdf, TestDocuments.EncryptedPdf(), null, null, null), default));

        Assert.Equal((422, ErrorCodes.UnreadableDocument), (error.Status, error.Code));
        Assert.Contains("encrypted", error.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Replaced);
        Assert.Empty(_embeddings.BatchSizes);
    }

    [Fact]
    public async Task PutFileAsync_TextLongerThanTheLimit_413NamingTheSetting()
    {
        var text = System.Text.Encoding.UTF8.GetBytes(new string('x', 200));

        var error = await Assert.ThrowsAsync<ApiException>(() => Service(new KnowledgeOptions { MaxDocumentCharacters = 100 }).PutFileAsync(Org, "long", new DocumentUpload(FileFormat.Text, text, null, null, null), default));

        Assert.Equal(413, error.Status);
        Assert.Contains("Knowledge__MaxDocumentCharacters", error.Message, StringComparison.Ordinal);
    }

    private sealed class FixedAvailability : AgentFunctions.Models.IModelAvailability
    {
        public bool HasEmbeddingModel { get; set; }
    }

    private sealed class FailingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("connection refused");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A usage meter whose write waits for <see cref="Release"/>.</summary>
    private sealed class GatedUsageMeter : IUsageMeter
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public UsageEntry? Entry { get; private set; }

        public ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public async ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken)
        {
            Started.SetResult();
            await Release.Task;
            Entry = usage;
        }
    }
}
