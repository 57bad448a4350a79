using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>
/// The real worker behind the local host with its models on the OpenAI-compatible test server (chat and embeddings),
/// multitenancy on, caller authentication off (orgs still have to be registered through the admin API).
/// </summary>
public sealed class KnowledgeAgentHost() : LocalHostFixture(AgentFunctionsAssembly)
{
    public const int MaxUploadBytes = 300_000;

    /// <summary>Files above this go through Blob Storage and the ingestion queue.</summary>
    public const int AsyncThresholdBytes = 50_000;

    public string AdminKey { get; } = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + Guid.NewGuid().ToString("N");

    public OpenAiTestServer Models { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Models = await OpenAiTestServer.StartAsync();
        Environment["MULTITENANCY_ENABLED"] = "true";
        Environment["DEFAULT_ORG_ID"] = string.Empty;
        Environment["Auth__Enabled"] = "false";
        Environment["ADMIN_API_KEY"] = AdminKey;
        Environment["OpenAI__Endpoint"] = Models.OpenAIEndpoint.ToString();
        Environment["OpenAI__ChatModel"] = "test-model";
        Environment["OpenAI__EmbeddingModel"] = "test-embedding";
        Environment["Knowledge__MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment["Knowledge__AsyncThresholdBytes"] = AsyncThresholdBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500";
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Models.DisposeAsync();
    }
}

public sealed class AgentKnowledgeTests(KnowledgeAgentHost host) : IClassFixture<KnowledgeAgentHost>
{
    private const string TextA = "Our refund window is 30 days and refunds go to the original card.";
    private const string TextB = "Our refund window is 90 days and refunds are paid as store credit.";

    [Fact]
    public async Task AgentRun_TwoOrgsSameDocumentId_CitesTheRunsOrgDocumentAndModelSeesOnlyItsText()
    {
        await RegisterOrgAsync("kb-org-a");
        await RegisterOrgAsync("kb-org-b");
        await PutDocumentAsync("kb-org-a", "refund-policy", "Refunds (A)", TextA);
        await PutDocumentAsync("kb-org-b", "refund-policy", "Refunds (B)", TextB);
        host.Models.Reset();

        using var run = Request(HttpMethod.Post, "api/agent/run", "kb-org-a", new { input = "How long is the refund window?" });
        var response = await host.Client.SendAsync(run);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var citations = body.RootElement.GetProperty("citations").EnumerateArray()
            .Select(c => (c.GetProperty("documentId").GetString(), c.GetProperty("title").GetString()));
        Assert.Equal([("refund-policy", "Refunds (A)")], citations);
        var chat = Assert.Single(host.Models.ChatRequests);
        Assert.Contains(chat.Messages, m => m.Role == "system" && m.Content!.Contains(TextA, StringComparison.Ordinal));
        Assert.DoesNotContain("store credit", chat.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Refunds (B)", chat.Body, StringComparison.Ordinal);
    }

    private async Task RegisterOrgAsync(string orgId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{orgId}") { Content = JsonContent.Create(new { displayName = orgId }) };
        request.Headers.Add("X-Admin-Key", host.AdminKey);
        var response = await host.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task PutDocumentAsync(string orgId, string documentId, string title, string content)
    {
        using var request = Request(HttpMethod.Put, $"api/documents/{documentId}", orgId, new { title, content });
        var response = await host.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string orgId, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Org-Id", orgId);
        return request;
    }
}
