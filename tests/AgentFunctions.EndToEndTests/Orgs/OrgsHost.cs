using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.Orgs;

/// <summary>
/// The real worker behind the local host as it runs in Azure: authentication on, an admin key, multitenancy on
/// without a default org, no registry cache (<c>Orgs__CacheSeconds=0</c>: settings changes and offboarding act at
/// once), the platform model on one OpenAI-compatible test server and a second server for orgs that bring their
/// own endpoint (its key in the app setting <see cref="OwnEndpointKeySetting"/>). One start-up for the whole
/// <see cref="OrgsHostGroup"/>.
/// </summary>
public sealed class OrgsHost() : LocalHostFixture(AgentFunctionsAssembly)
{
    public const string AdminKey = "e2e-admin-key-0123456789abcdefghijklmnopqrstuv";
    public const string PlatformModel = "platform-model";
    public const string PlatformModelKey = "platform-model-secret";
    public const string OwnEndpointKeySetting = "ORGKEY_OWN_MODEL";
    public const string OwnEndpointKey = "org-own-model-secret";
    public const string McpKeySetting = "ORGKEY_REMOTE_MCP";
    public const string McpKey = "remote-mcp-secret";

    public OpenAiTestServer Model { get; private set; } = null!;

    /// <summary>The second model server: an org's own endpoint.</summary>
    public OpenAiTestServer OwnModel { get; private set; } = null!;

    /// <summary>Requests that reached either model server (chat and embeddings).</summary>
    public int ModelRequestCount => Model.Requests.Count + OwnModel.Requests.Count;

    public override async Task InitializeAsync()
    {
        Model = await OpenAiTestServer.StartAsync();
        OwnModel = await OpenAiTestServer.StartAsync();
        Environment["MULTITENANCY_ENABLED"] = "true";
        Environment["DEFAULT_ORG_ID"] = string.Empty;
        Environment["Auth__Enabled"] = "true";
        Environment["ADMIN_API_KEY"] = AdminKey;
        Environment["Orgs__CacheSeconds"] = "0";
        // Every client of these tests is 127.0.0.1, and the matrices fail authentication on purpose many times a minute.
        Environment["Auth__FailedAttemptsPerMinute"] = "100000";
        Environment["Orgs__InFlightSeconds"] = "1"; // the final offboarding sweep follows the first one at once
        Environment["RETENTION_SWEEP_SCHEDULE"] = "*/2 * * * * *"; // the retention sweep's timer, every two seconds
        Environment["OpenAI__Endpoint"] = Model.OpenAIEndpoint.ToString();
        Environment["OpenAI__ApiKey"] = PlatformModelKey;
        Environment["OpenAI__ChatModel"] = PlatformModel;
        Environment["OpenAI__EmbeddingModel"] = "embedding-model";
        Environment["Model__RetryDelay"] = "00:00:00.050";
        Environment[OwnEndpointKeySetting] = OwnEndpointKey;
        Environment["Mcp__AllowLoopback"] = "true"; // the remote MCP test servers listen on 127.0.0.1
        Environment["Mcp__CallTimeout"] = "00:00:10";
        Environment[McpKeySetting] = McpKey;
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
            await OwnModel.DisposeAsync();
        }
    }

    /// <summary>One request; <paramref name="credential"/> is a header (name, value) or null for none.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? orgId, (string Header, string Value)? credential, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (orgId is not null)
        {
            request.Headers.Add("X-Org-Id", orgId);
        }

        if (credential is { } c)
        {
            request.Headers.Add(c.Header, c.Value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        return await Client.SendAsync(request);
    }

    public static (string, string) Admin => ("X-Admin-Key", AdminKey);

    public static (string, string) Key(string apiKey) => ("X-Api-Key", apiKey);

    /// <summary>Registers (or replaces) an org; <paramref name="definition"/> is the body of PUT /api/admin/orgs/{orgId}.</summary>
    public async Task PutOrgAsync(string orgId, object definition)
    {
        using var response = await SendAsync(HttpMethod.Put, $"api/admin/orgs/{orgId}", null, Admin, definition);
        Assert.True(response.IsSuccessStatusCode, $"PUT org {orgId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Registers the org with a display name only and returns a new API key of it.</summary>
    public async Task<string> RegisterWithKeyAsync(string orgId, object? definition = null)
    {
        await PutOrgAsync(orgId, definition ?? new { displayName = orgId });
        return await CreateKeyAsync(orgId);
    }

    public async Task<string> CreateKeyAsync(string orgId)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/admin/orgs/{orgId}/keys", null, Admin);
        Assert.True(response.IsSuccessStatusCode, $"POST key {orgId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["apiKey"]!.GetValue<string>();
    }

    /// <summary>POST /api/agent/run; asserts 200 and returns the response object.</summary>
    public async Task<JsonObject> RunAsync(string orgId, string apiKey, string input, string? conversationId = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/agent/run", orgId, Key(apiKey), new { input, conversationId });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"run for {orgId}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>
    /// Waits until the job has finished (succeeded or failed), so that its model call cannot land in a later step of
    /// the test that counts model requests or compares what the org holds.
    /// </summary>
    public async Task WaitForJobAsync(string orgId, (string Header, string Value)? credential, string jobId)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, $"api/jobs/{jobId}", orgId, credential);
            var status = (await response.Content.ReadFromJsonAsync<JsonObject>())?["status"]?.GetValue<string>();
            if (status is "succeeded" or "failed")
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"job {jobId} of {orgId} did not finish within 60 s (status {status})");
            await Task.Delay(100);
        }
    }

    /// <summary>GET with an org key; asserts 200 and returns the body text.</summary>
    public async Task<string> GetTextAsync(string path, string orgId, string apiKey)
    {
        using var response = await SendAsync(HttpMethod.Get, path, orgId, Key(apiKey));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} for {orgId}: {(int)response.StatusCode} {text}");
        return text;
    }
}

[CollectionDefinition(Name)]
public sealed class OrgsHostGroup : ICollectionFixture<OrgsHost>
{
    public const string Name = "orgs end to end";
}
