using System.Net;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>No model configured (as <c>./run.sh</c> on a fresh clone): the app starts and agent runs answer 503 naming the settings.</summary>
public sealed class NoModelTests(NoModelAppHost host) : IClassFixture<NoModelAppHost>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAgent_NoModelConfigured_503NamingTheSettingsAndNothingStored(bool stream)
    {
        using var request = AgentAppHost.Request(HttpMethod.Post, "api/agent/run", orgId: null, new { input = "hello" }, stream);

        var (response, body) = await host.SendJsonAsync(request);

        ProblemAssert.Is(response, body, 503, "model_unavailable");
        var detail = body.GetProperty("detail").GetString()!;
        foreach (var setting in new[] { "AzureOpenAI__Endpoint", "AzureOpenAI__ChatDeployment", "OpenAI__Endpoint", "OpenAI__ChatModel" })
        {
            Assert.Contains(setting, detail, StringComparison.Ordinal);
        }

        Assert.Empty(await host.ConversationRowsAsync("default"));
    }

    [Fact]
    public async Task Health_NoModelConfigured_Returns200()
    {
        using var response = await host.Client.GetAsync(new Uri("api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>Start-up validation fires in the real worker: the worker stops and the host's start-up fails naming the setting.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("DEFAULT_ORG_ID", "Bad!", null, null, "DEFAULT_ORG_ID must be")]
    [InlineData("AzureOpenAI__Endpoint", "http://127.0.0.1:9/", null, null, "AzureOpenAI__ChatDeployment")]
    [InlineData("OpenAI__ChatModel", "llama3", null, null, "OpenAI__Endpoint")]
    [InlineData("ADMIN_API_KEY", "short", null, null, "ADMIN_API_KEY must be at least 32 characters")]
    [InlineData("Auth__Jwt__Authority", "https://issuer.example", "Auth__Jwt__Audience", "", "Auth__Jwt__Audience is required")]
    public async Task Start_InvalidSetting_WorkerFailsAndTheHostReportsTheSetting(string key, string value, string? key2, string? value2, string expected)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key2 is not null)
        {
            settings[key2] = value2;
        }

        var host = new LocalHostFixture(LocalHostFixture.AgentFunctionsAssembly, settings);
        try
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(host.InitializeAsync);

            Assert.Contains("LocalHost exited during start-up", error.Message, StringComparison.Ordinal);
            Assert.Contains("LocalHost: start-up failed: The worker exited before it connected", error.Message, StringComparison.Ordinal);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
