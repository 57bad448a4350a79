using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;
using Azure.Data.Tables;
using OpenAI;

namespace AgentFunctions.EndToEndTests.OpenAi;

/// <summary>
/// The real worker behind the local host as in Azure (authentication on, multitenancy on, no default org), the
/// OpenAI-compatible test server as the model (chat and embeddings, so knowledge retrieval runs), and the official
/// OpenAI .NET client pointed at <c>{host}/api/v1</c> with an org key as its API key, exactly as a user configures it.
/// </summary>
public class OpenAiHost : LocalHostFixture
{
    public OpenAiHost()
        : base(AgentFunctionsAssembly)
    {
    }

    /// <summary>On storage the derived fixture starts (e.g. behind a proxy) and disposes.</summary>
    protected OpenAiHost(AzuriteFixture azurite)
        : base(AgentFunctionsAssembly, azurite)
    {
    }

    public const string AdminKey = "e2e-openai-admin-key-0123456789abcdefghijklmnop";
    public const string PlatformModel = "platform-model";

    public OpenAiTestServer Model { get; private set; } = null!;

    /// <summary><c>{host}/api/v1/</c>: the SDKs' base URL.</summary>
    public Uri ApiBase => new(BaseAddress, "api/v1/");

    public TableServiceClient Tables => new(Azurite.ConnectionString);

    public override async Task InitializeAsync()
    {
        Model = await OpenAiTestServer.StartAsync();
        Environment["MULTITENANCY_ENABLED"] = "true";
        Environment["DEFAULT_ORG_ID"] = string.Empty;
        Environment["Auth__Enabled"] = "true";
        Environment["ADMIN_API_KEY"] = AdminKey;
        Environment["Orgs__CacheSeconds"] = "0";
        Environment["OpenAI__Endpoint"] = Model.OpenAIEndpoint.ToString();
        Environment["OpenAI__ApiKey"] = "platform-secret";
        Environment["OpenAI__ChatModel"] = PlatformModel;
        Environment["OpenAI__EmbeddingModel"] = "embedding-model";
        Environment["Model__MaxRetries"] = "0";
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
            await Model.DisposeAsync();
        }
    }

    /// <summary>The official client as a user writes it: base URL and org key. Retries off, so a refusal is seen once.</summary>
    public OpenAIClient OpenAi(string apiKey) =>
        new(new ApiKeyCredential(apiKey), new OpenAIClientOptions { Endpoint = ApiBase, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    /// <summary>Registers an org (admin API) and returns a new key of it.</summary>
    public async Task<string> RegisterWithKeyAsync(string orgId, object? definition = null)
    {
        using (var put = Admin(HttpMethod.Put, $"api/admin/orgs/{orgId}", definition ?? new { displayName = orgId }))
        using (var response = await Client.SendAsync(put))
        {
            Assert.True(response.IsSuccessStatusCode, $"PUT org {orgId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using var post = Admin(HttpMethod.Post, $"api/admin/orgs/{orgId}/keys", null);
        using var created = await Client.SendAsync(post);
        Assert.True(created.IsSuccessStatusCode, $"POST key {orgId}: {(int)created.StatusCode}");
        return (await created.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
    }

    /// <summary>A raw request with the key as bearer (what the SDKs send), for what the SDKs do not expose.</summary>
    public async Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? apiKey, object? body = null, string? orgHeader = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        if (orgHeader is not null)
        {
            request.Headers.Add("X-Org-Id", orgHeader);
        }

        if (body is not null)
        {
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        var response = await Client.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        return (response, content.Length == 0 ? null : JsonNode.Parse(content));
    }

    /// <summary>Puts a knowledge document into the org (so runs retrieve it and cite it).</summary>
    public async Task PutDocumentAsync(string apiKey, string documentId, string title, string content)
    {
        var (response, body) = await SendAsync(HttpMethod.Put, $"api/documents/{documentId}", apiKey, new { title, content });
        Assert.True(response.IsSuccessStatusCode, $"PUT document: {(int)response.StatusCode} {body}");
    }

    /// <summary>The RowKeys of the org's partition of a table (straight from storage).</summary>
    public async Task<List<string>> RowsAsync(string table, string orgId)
    {
        var rows = new List<string>();
        try
        {
            await foreach (var row in Tables.GetTableClient(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId}"), select: ["RowKey"]))
            {
                rows.Add(row.RowKey);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // The table was never created: nothing stored.
        }

        return rows;
    }

    private static HttpRequestMessage Admin(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Admin-Key", AdminKey);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }
}

[CollectionDefinition(Name)]
public sealed class OpenAiHostGroup : ICollectionFixture<OpenAiHost>
{
    public const string Name = "openai-compatible api";
}

internal static class OpenAiErrorAssert
{
    /// <summary>OpenAI's error envelope with this status and code (and <c>param</c> when given).</summary>
    public static void Is(HttpResponseMessage response, JsonNode? body, int status, string code, string? param = null)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = body?["error"];
        Assert.NotNull(error);
        Assert.Equal(code, error["code"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["message"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(error["type"]?.GetValue<string>()));
        if (param is not null)
        {
            Assert.Equal(param, error["param"]?.GetValue<string>());
        }
    }
}
