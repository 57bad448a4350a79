using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentFunctions.Testing;
using Azure.Data.Tables;

namespace AgentFunctions.EndToEndTests.App;

/// <summary>
/// The real AgentFunctions worker behind the local host, configured explicitly (nothing inherited from the
/// developer's environment decides the outcome): authentication, multitenancy, default org, a random admin key,
/// and as model either the OpenAI-compatible test server (<see cref="Model"/>) or none. Model retries are quick.
/// </summary>
public abstract class AgentAppHost : LocalHostFixture
{
    private readonly bool _withModel;

    protected AgentAppHost(bool authEnabled, bool multitenancy, string? defaultOrgId, bool withModel)
        : base(AgentFunctionsAssembly)
    {
        _withModel = withModel;
        AdminKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Environment["Auth__Enabled"] = authEnabled ? "true" : "false";
        Environment["MULTITENANCY_ENABLED"] = multitenancy ? "true" : "false";
        Environment["DEFAULT_ORG_ID"] = defaultOrgId ?? string.Empty;
        Environment["ADMIN_API_KEY"] = AdminKey;
        Environment["Orgs__CacheSeconds"] = "0";
        // Every client of these tests is 127.0.0.1, and the matrices fail authentication on purpose many times a minute.
        Environment["Auth__FailedAttemptsPerMinute"] = "100000";
        Environment["Model__MaxRetries"] = "2";
        Environment["Model__RetryDelay"] = "00:00:00.050";
        foreach (var setting in new[]
        {
            "AzureOpenAI__Endpoint", "AzureOpenAI__ApiKey", "AzureOpenAI__ClientId", "AzureOpenAI__ChatDeployment", "AzureOpenAI__EmbeddingDeployment",
            "OpenAI__Endpoint", "OpenAI__ApiKey", "OpenAI__ChatModel", "OpenAI__EmbeddingModel", "AzureSearch__Endpoint",
        })
        {
            Environment[setting] = string.Empty;
        }
    }

    public const string ChatModel = "test-model";

    /// <summary>The platform admin key (<c>ADMIN_API_KEY</c>) of this host.</summary>
    public string AdminKey { get; }

    /// <summary>The model server the app talks to; null for a host without a model.</summary>
    public OpenAiTestServer? Model { get; private set; }

    /// <summary>The app's storage as the tests see it, to check what was (not) stored and under which org.</summary>
    public TableServiceClient Tables => new(Azurite.ConnectionString);

    public override async Task InitializeAsync()
    {
        if (_withModel)
        {
            Model = await OpenAiTestServer.StartAsync();
            Environment["OpenAI__Endpoint"] = Model.OpenAIEndpoint.ToString();
            Environment["OpenAI__ApiKey"] = "test-key";
            Environment["OpenAI__ChatModel"] = ChatModel;
        }

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
            if (Model is not null)
            {
                await Model.DisposeAsync();
            }
        }
    }

    /// <summary>Registers (or updates) an org through the admin API; <paramref name="definition"/> defaults to a display name only.</summary>
    public async Task RegisterOrgAsync(string orgId, object? definition = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{orgId}") { Content = JsonContent.Create(definition ?? new { displayName = orgId }) };
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"registering {orgId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A request with <c>X-Org-Id</c> (when given) and an optional JSON body.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, string? orgId, object? body = null, bool stream = false)
    {
        var request = new HttpRequestMessage(method, path);
        if (orgId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Org-Id", orgId);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (stream)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return request;
    }

    /// <summary><c>POST /api/agent/run</c> as JSON.</summary>
    public async Task<HttpResponseMessage> RunAgentAsync(string? orgId, string input, string? conversationId = null)
    {
        using var request = Request(HttpMethod.Post, "api/agent/run", orgId, conversationId is null ? new { input } : new { input, conversationId });
        return await Client.SendAsync(request);
    }

    /// <summary><c>POST /api/agent/run</c> that must succeed: the output and the conversation id.</summary>
    public async Task<(string Output, string ConversationId)> RunAgentOkAsync(string? orgId, string input, string? conversationId = null)
    {
        using var response = await RunAgentAsync(orgId, input, conversationId);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        using var body = JsonDocument.Parse(text);
        return (body.RootElement.GetProperty("output").GetString()!, body.RootElement.GetProperty("conversationId").GetString()!);
    }

    /// <summary>A GET with <c>X-Org-Id</c> that must answer 200: its JSON body.</summary>
    public async Task<JsonElement> GetOkAsync(string? orgId, string path)
    {
        using var request = Request(HttpMethod.Get, path, orgId);
        var (response, body) = await SendJsonAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>The (role, content) pairs of a conversation's messages, oldest first.</summary>
    public async Task<(string? Role, string? Content)[]> MessagesAsync(string orgId, string conversationId) =>
        [.. (await GetOkAsync(orgId, $"api/conversations/{conversationId}/messages")).GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString()))];

    /// <summary>The ids of the org's conversations (first 100).</summary>
    public async Task<List<string>> ConversationIdsAsync(string? orgId) =>
        [.. (await GetOkAsync(orgId, "api/conversations?limit=100")).GetProperty("conversations").EnumerateArray()
            .Select(c => c.GetProperty("conversationId").GetString()!)];

    /// <summary>Sends and parses the JSON body of the response (a problem or a result).</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendJsonAsync(HttpRequestMessage request)
    {
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The RowKeys stored in the org's partition of <c>Conversations</c> (straight from storage).</summary>
    public async Task<List<string>> ConversationRowsAsync(string orgId)
    {
        var table = Tables.GetTableClient("Conversations");
        var rows = new List<string>();
        try
        {
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {orgId}"), select: ["RowKey"]))
            {
                rows.Add(row.RowKey);
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // No conversation was ever stored.
        }

        return rows;
    }

    /// <summary>The org partitions that hold rows of conversation <paramref name="conversationId"/>.</summary>
    public async Task<List<string>> PartitionsOfConversationAsync(string conversationId)
    {
        var table = Tables.GetTableClient("Conversations");
        var prefix = conversationId + "|";
        var partitions = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {prefix} and RowKey lt {conversationId + "}"}"), select: ["PartitionKey"]))
        {
            partitions.Add(row.PartitionKey);
        }

        return [.. partitions];
    }
}

/// <summary>Multitenancy on without a default org, authentication off, the test model server.</summary>
public sealed class MultitenantAppHost() : AgentAppHost(authEnabled: false, multitenancy: true, defaultOrgId: null, withModel: true);

/// <summary>Multitenancy off (every request acts for <c>default</c>), authentication off, the test model server.</summary>
public sealed class SingleTenantAppHost() : AgentAppHost(authEnabled: false, multitenancy: false, defaultOrgId: null, withModel: true);

/// <summary>Multitenancy on with <c>DEFAULT_ORG_ID=home</c>, authentication off, the test model server.</summary>
public sealed class DefaultOrgAppHost() : AgentAppHost(authEnabled: false, multitenancy: true, defaultOrgId: DefaultOrg, withModel: true)
{
    public const string DefaultOrg = "home";
}

/// <summary>No model configured at all (as <c>./run.sh</c> on a fresh clone), multitenancy off, authentication off.</summary>
public sealed class NoModelAppHost() : AgentAppHost(authEnabled: false, multitenancy: false, defaultOrgId: null, withModel: false);

/// <summary>One host shared by the multitenant test classes (they run one after another and share the model script).</summary>
[CollectionDefinition(Name)]
public sealed class MultitenantAppGroup : ICollectionFixture<MultitenantAppHost>
{
    public const string Name = "multitenant app";
}

internal static class ProblemAssert
{
    /// <summary>problem+json with this status and code, and a trace id.</summary>
    public static void Is(HttpResponseMessage response, JsonElement body, int status, string code)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, body.GetProperty("status").GetInt32());
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("traceId").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
    }

    /// <summary>The body without its per-request trace id, for "exactly like" comparisons.</summary>
    public static string WithoutTraceId(JsonElement body)
    {
        var properties = body.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value.GetRawText()}");
        return new StringBuilder().AppendJoin(';', properties).ToString();
    }
}
