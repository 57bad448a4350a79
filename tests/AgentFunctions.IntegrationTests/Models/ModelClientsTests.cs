using System.Diagnostics;
using AgentFunctions.Errors;
using AgentFunctions.Models;
using AgentFunctions.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.IntegrationTests.Models;

/// <summary>The real Azure OpenAI and OpenAI clients, as the app wires them, against the OpenAI-compatible test server over HTTP.</summary>
public sealed class ModelClientsTests : IAsyncLifetime
{
    private const string ApiKey = "test-secret-key";
    private OpenAiTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OpenAiTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Providers => ["azure", "openai"];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetResponseAsync_ConfiguredProvider_SendsOptionsAndReturnsAnswer(string provider)
    {
        using var services = Services(provider);
        var client = services.GetRequiredService<IModelClients>().GetChatClient();

        var response = await client.GetResponseAsync(
            [new(ChatRole.System, "Be terse."), new(ChatRole.User, "What is the capital of France?")],
            new ChatOptions { Temperature = 0.25f, MaxOutputTokens = 77 });

        Assert.Equal("Echo: What is the capital of France?", response.Text);
        Assert.Equal(6 + 2, response.Usage?.InputTokenCount);
        var request = Assert.Single(_server.ChatRequests);
        Assert.Equal("Be terse.", request.SystemPrompt);
        Assert.Equal(0.25, request.Temperature!.Value, 3);
        Assert.Equal(77, request.MaxTokens);
        if (provider == "azure")
        {
            Assert.StartsWith("/openai/deployments/chat-deployment/chat/completions", request.PathAndQuery, StringComparison.Ordinal);
            Assert.Equal(ApiKey, request.Headers["api-key"]);
        }
        else
        {
            Assert.Equal("/v1/chat/completions", request.PathAndQuery);
            Assert.Equal("chat-model", request.Model);
            Assert.Equal($"Bearer {ApiKey}", request.Headers["Authorization"]);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetStreamingResponseAsync_ConfiguredProvider_StreamsWordsAndUsage(string provider)
    {
        using var services = Services(provider);
        var client = services.GetRequiredService<IModelClients>().GetChatClient();

        var updates = await client.GetStreamingResponseAsync([new(ChatRole.User, "hello streaming world")]).ToListAsync();

        Assert.True(updates.Count(u => u.Text.Length > 0) >= 4);
        var response = updates.ToChatResponse();
        Assert.Equal("Echo: hello streaming world", response.Text);
        Assert.Equal(3, response.Usage?.InputTokenCount);
        Assert.Equal(4, response.Usage?.OutputTokenCount);
        Assert.True(Assert.Single(_server.ChatRequests).Stream);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetResponseAsync_429ThenServerError_RetriesHonouringRetryAfterThenSucceeds(string provider)
    {
        using var services = Services(provider);
        var client = services.GetRequiredService<IModelClients>().GetChatClient();
        _server.Enqueue(OpenAiScript.Fault(429, retryAfter: TimeSpan.FromSeconds(1)), OpenAiScript.Fault(500));
        var clock = Stopwatch.StartNew();

        var response = await client.GetResponseAsync([new(ChatRole.User, "again")]);

        Assert.Equal("Echo: again", response.Text);
        Assert.Equal(3, _server.ChatRequests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"Retry-After was not honoured: {clock.Elapsed}");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetStreamingResponseAsync_ServerErrorFirst_RetriesThenStreams(string provider)
    {
        using var services = Services(provider);
        var client = services.GetRequiredService<IModelClients>().GetChatClient();
        _server.Enqueue(OpenAiScript.Fault(503));

        var updates = await client.GetStreamingResponseAsync([new(ChatRole.User, "streamed retry")]).ToListAsync();

        Assert.Equal("Echo: streamed retry", updates.ToChatResponse().Text);
        Assert.Equal(2, _server.ChatRequests.Count);
    }

    [Theory]
    [InlineData("azure", 500, 502)]
    [InlineData("openai", 500, 502)]
    [InlineData("azure", 429, 503)]
    [InlineData("openai", 429, 503)]
    public async Task GetResponseAsync_RetriesSpent_ThrowsModelUnavailable(string provider, int fault, int expectedStatus)
    {
        using var services = Services(provider, ("Model:MaxRetries", "2"));
        var client = services.GetRequiredService<IModelClients>().GetChatClient();
        _server.Enqueue(OpenAiScript.Fault(fault), OpenAiScript.Fault(fault), OpenAiScript.Fault(fault), OpenAiScript.Fault(fault));

        var error = await Assert.ThrowsAsync<ApiException>(() => client.GetResponseAsync([new(ChatRole.User, "doomed")]));

        Assert.Equal(ErrorCodes.ModelUnavailable, error.Code);
        Assert.Equal(expectedStatus, error.Status);
        Assert.Equal(3, _server.ChatRequests.Count);
    }

    [Fact]
    public async Task GetResponseAsync_EveryAttemptTimesOut_AbandonsEachAttemptThenThrowsModelUnavailable503()
    {
        using var services = Services("openai", ("Model:MaxRetries", "1"), ("Model:AttemptTimeout", "00:00:01"), ("Model:TotalTimeout", "00:00:20"));
        var client = services.GetRequiredService<IModelClients>().GetChatClient();
        _server.Enqueue(OpenAiScript.Wait(TimeSpan.FromSeconds(30)), OpenAiScript.Wait(TimeSpan.FromSeconds(30)));

        var error = await Assert.ThrowsAsync<ApiException>(() => client.GetResponseAsync([new(ChatRole.User, "slow")]));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        // A retry before the total timeout (20 s) means the attempt timeout cut the first attempt; one retry, then no more.
        Assert.Equal(2, _server.ChatRequests.Count);
        // The client gave up on both hung attempts rather than waiting them out (30 s each), as the server saw it.
        var abandoned = await Task.WhenAll(_server.ChatRequests.Select(r => r.AbandonedDuringWait));
        Assert.Equal([true, true], abandoned);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamOutlastsAttemptTimeout_IsNotCut()
    {
        using (var warm = Services("openai"))
        {
            // A cold start (JIT, first connection) on a busy machine must not eat the short attempt below.
            await warm.GetRequiredService<IModelClients>().GetChatClient().GetStreamingResponseAsync([new(ChatRole.User, "warm up")]).ToListAsync();
        }

        using var services = Services("openai", ("Model:AttemptTimeout", "00:00:02"), ("Model:MaxRetries", "0"));
        var client = services.GetRequiredService<IModelClients>().GetChatClient();
        _server.StreamChunkDelay = TimeSpan.FromMilliseconds(500); // 6 chunks: the body takes ~3 s, longer than an attempt
        var clock = Stopwatch.StartNew();

        var updates = await client.GetStreamingResponseAsync([new(ChatRole.User, "slow but steady")]).ToListAsync();

        Assert.Equal("Echo: slow but steady", updates.ToChatResponse().Text);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(2.2), $"the stream was not slower than the attempt timeout: {clock.Elapsed}");
        Assert.Equal(2, _server.ChatRequests.Count);
    }

    [Fact]
    public async Task GetResponseAsync_NothingListening_ThrowsModelUnavailable503()
    {
        using var nothingListening = new RefusedPort();
        using var services = Build(
            ("OpenAI:Endpoint", $"http://127.0.0.1:{nothingListening.Port}/v1/"), ("OpenAI:ChatModel", "m"), ("Model:MaxRetries", "1"), ("Model:RetryDelay", "00:00:00.010"));
        var client = services.GetRequiredService<IModelClients>().GetChatClient();

        var error = await Assert.ThrowsAsync<ApiException>(() => client.GetResponseAsync([new(ChatRole.User, "anyone?")]));

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GetResponseAsync_WithFunctionInvocation_CallsScriptedToolThenAnswers(string provider)
    {
        using var services = Services(provider);
        var client = new ChatClientBuilder(services.GetRequiredService<IModelClients>().GetChatClient()).UseFunctionInvocation().Build();
        var calledWith = new List<string>();
        var tool = AIFunctionFactory.Create((string city) => { calledWith.Add(city); return $"sunny in {city}"; }, "get_weather");
        _server.Enqueue(OpenAiScript.CallTool("get_weather", """{"city":"Paris"}"""));

        var response = await client.GetResponseAsync([new(ChatRole.User, "Weather?")], new ChatOptions { Tools = [tool] });

        Assert.Equal(["Paris"], calledWith);
        Assert.Equal("Tool result: \"sunny in Paris\"", response.Text); // the tool result is sent as JSON
        Assert.Equal(2, _server.ChatRequests.Count);
        Assert.Equal(["get_weather"], _server.ChatRequests[0].ToolNames);
        Assert.Equal("tool", _server.ChatRequests[1].Messages[^1].Role);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EmbeddingGenerator_ConfiguredProvider_ReturnsTheServersDeterministicVectors(string provider)
    {
        using var services = Services(provider);
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var embeddings = await generator.GenerateAsync(["Paris is the capital", "Berlin"]);

        Assert.Equal(2, embeddings.Count);
        Assert.Equal(OpenAiTestServer.Embed("Paris is the capital", 64), embeddings[0].Vector.ToArray());
        Assert.Equal(OpenAiTestServer.Embed("Berlin", 64), embeddings[1].Vector.ToArray());
        var request = Assert.Single(_server.EmbeddingRequests);
        if (provider == "azure")
        {
            Assert.StartsWith("/openai/deployments/embedding-deployment/embeddings", request.PathAndQuery, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("embedding-model", request.Model);
        }
    }

    [Fact]
    public async Task EmbeddingGenerator_ServerErrorOnce_Retries()
    {
        using var services = Services("openai");
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        _server.Enqueue(OpenAiScript.Fault(500));

        var embedding = await generator.GenerateVectorAsync("retry me");

        Assert.Equal(OpenAiTestServer.Embed("retry me", 64), embedding.ToArray());
        Assert.Equal(2, _server.EmbeddingRequests.Count);
    }

    private ServiceProvider Services(string provider, params (string Key, string Value)[] extra)
    {
        (string, string)[] settings = provider == "azure"
            ? [("AzureOpenAI:Endpoint", _server.AzureEndpoint.ToString()), ("AzureOpenAI:ApiKey", ApiKey),
               ("AzureOpenAI:ChatDeployment", "chat-deployment"), ("AzureOpenAI:EmbeddingDeployment", "embedding-deployment")]
            : [("OpenAI:Endpoint", _server.OpenAIEndpoint.ToString()), ("OpenAI:ApiKey", ApiKey),
               ("OpenAI:ChatModel", "chat-model"), ("OpenAI:EmbeddingModel", "embedding-model")];
        return Build([.. settings, ("Model:RetryDelay", "00:00:00.010"), .. extra]);
    }

    internal static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddModels();
        return services.BuildServiceProvider();
    }
}
