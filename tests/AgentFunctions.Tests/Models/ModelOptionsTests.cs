using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Tests.Models;

/// <summary>Start-up validation of the model and agent settings, through a real host start.</summary>
public sealed class ModelOptionsTests
{
    [Theory]
    [InlineData("AzureOpenAI:Endpoint", "https://example.openai.azure.com/", "AzureOpenAI__ChatDeployment")]
    [InlineData("AzureOpenAI:ChatDeployment", "gpt-4o", "AzureOpenAI__Endpoint")]
    [InlineData("AzureOpenAI:EmbeddingDeployment", "embed", "AzureOpenAI__Endpoint")]
    [InlineData("AzureOpenAI:ClientId", "00000000-0000-0000-0000-000000000000", "AzureOpenAI__Endpoint")]
    [InlineData("OpenAI:Endpoint", "http://localhost:11434/v1/", "OpenAI__ChatModel")]
    [InlineData("OpenAI:ChatModel", "llama3", "OpenAI__Endpoint")]
    [InlineData("OpenAI:ApiKey", "sk-test", "OpenAI__Endpoint")]
    [InlineData("Agent:HistoryMessages", "-1", "HistoryMessages")]
    [InlineData("Agent:SystemPrompt", "", "SystemPrompt")]
    [InlineData("Model:MaxRetries", "11", "MaxRetries")]
    public async Task StartAsync_HalfConfigured_FailsNamingTheSetting(string key, string value, string named)
    {
        using var host = BuildHost((key, value));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadEndpointUrl_FailsNamingTheSetting()
    {
        using var host = BuildHost(("OpenAI:Endpoint", "not a url"), ("OpenAI:ChatModel", "m"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("OpenAI__Endpoint must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NoModelConfigured_StartsAndModelUseAnswers503()
    {
        using var host = BuildHost(("AzureOpenAI:Endpoint", ""), ("OpenAI:Endpoint", ""));

        await host.StartAsync();
        var embeddings = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var error = await Assert.ThrowsAsync<ApiException>(() => embeddings.GenerateAsync(["x"]));
        await host.StopAsync();

        Assert.Equal((503, ErrorCodes.ModelUnavailable), (error.Status, error.Code));
        Assert.Contains("AzureOpenAI__EmbeddingDeployment", error.Message, StringComparison.Ordinal);
        Assert.Contains("OpenAI__EmbeddingModel", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetEmbeddingGenerator_ChatOnlyAzureConfig_Throws503NamingEmbeddingDeployment()
    {
        using var host = BuildHost(("AzureOpenAI:Endpoint", "https://example.openai.azure.com/"), ("AzureOpenAI:ChatDeployment", "chat"), ("AzureOpenAI:ApiKey", "k"));
        await host.StartAsync();

        var error = Assert.Throws<ApiException>(() => host.Services.GetRequiredService<IModelClients>().GetEmbeddingGenerator());
        await host.StopAsync();

        Assert.Equal("No embedding model is configured: set AzureOpenAI__EmbeddingDeployment.", error.Message);
    }

    private static IHost BuildHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddModels().AddAgents();
        return builder.Build();
    }
}
