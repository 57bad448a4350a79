using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentFunctions.Testing;
using Azure.Storage.Queues;

namespace AgentFunctions.EndToEndTests.Jobs;

/// <summary>
/// The real worker behind the local host with the OpenAI-compatible test server as its model:
/// multitenancy on, API-key auth off (orgs must still be registered through the admin API), no
/// model-client retries (one job attempt = one model call) and a 1 s retry back-off instead of
/// host.json's 30 s (maxDequeueCount stays host.json's 5).
/// </summary>
public class JobsHost : LocalHostFixture
{
    public const string AdminKey = "jobs-end-to-end-admin-key-0123456789abcdef";
    public const int MaxDequeueCount = 5;
    private readonly bool _ownsModel;

    public JobsHost()
        : base(AgentFunctionsAssembly)
    {
        _ownsModel = true;
        Configure();
    }

    /// <summary>A host with its own model server on storage that the derived fixture starts and owns (e.g. behind a proxy).</summary>
    protected JobsHost(AzuriteFixture storage)
        : base(AgentFunctionsAssembly, storage)
    {
        _ownsModel = true;
        Configure();
    }

    private JobsHost(JobsHost first)
        : base(AgentFunctionsAssembly, first.Azurite)
    {
        Model = first.Model;
        Configure();
    }

    public OpenAiTestServer Model { get; private set; } = null!;

    /// <summary>A second host on this host's storage and model server (to take over after a crash); not started yet.</summary>
    public static JobsHost SharingStorageWith(JobsHost first) => new(first);

    public QueueClient Queue(string name) =>
        new(Azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    public override async Task InitializeAsync()
    {
        if (_ownsModel)
        {
            Model = await OpenAiTestServer.StartAsync();
        }

        Environment["OpenAI__Endpoint"] = Model.OpenAIEndpoint.ToString();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsModel)
        {
            await Model.DisposeAsync();
        }
    }

    public async Task RegisterOrgAsync(string org)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/admin/orgs/{org}") { Content = JsonContent.Create(new { displayName = org }) };
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"registering {org}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Submits a job; asserts the 202 shape and returns its id.</summary>
    public async Task<string> SubmitAsync(string org, string input, string? conversationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = JsonContent.Create(new { input, conversationId }) };
        request.Headers.Add("X-Org-Id", org);
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"submit: {(int)response.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var jobId = json.GetProperty("jobId").GetString()!;
        Assert.Equal("queued", json.GetProperty("status").GetString());
        Assert.Equal($"/api/jobs/{jobId}", json.GetProperty("statusUrl").GetString());
        Assert.Equal($"/api/jobs/{jobId}", response.Headers.Location?.OriginalString);
        return jobId;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetJobAsync(string org, string jobId, string? wait = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, wait is null ? $"api/jobs/{jobId}" : $"api/jobs/{jobId}?wait={wait}");
        request.Headers.Add("X-Org-Id", org);
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }

    /// <summary>Polls until the job is finished (succeeded or failed), or fails the test.</summary>
    public async Task<JsonElement> WaitFinishedAsync(string org, string jobId, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var (status, body) = await GetJobAsync(org, jobId);
            Assert.Equal(HttpStatusCode.OK, status);
            last = body;
            if (body.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return body;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Job {jobId} of {org} did not finish within {patience}: {last}\n{Output}");
    }

    public async Task<IReadOnlyList<JsonElement>> ConversationMessagesAsync(string org, string conversationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/conversations/{conversationId}/messages?limit=50");
        request.Headers.Add("X-Org-Id", org);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [.. json.GetProperty("messages").EnumerateArray().Select(m => m.Clone())];
    }

    /// <summary>Waits until a queue holds no message at all (visible or in flight).</summary>
    public async Task WaitQueueEmptyAsync(string name, TimeSpan patience)
    {
        var queue = Queue(name);
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (!(await queue.ExistsAsync()).Value || (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Queue {name} still holds messages after {patience}.\n{Output}");
    }

    private void Configure()
    {
        Environment["MULTITENANCY_ENABLED"] = "true";
        Environment["DEFAULT_ORG_ID"] = string.Empty;
        Environment["Auth__Enabled"] = "false";
        Environment["ADMIN_API_KEY"] = AdminKey;
        Environment["OpenAI__ApiKey"] = "test-key";
        Environment["OpenAI__ChatModel"] = "test-chat";
        Environment["OpenAI__EmbeddingModel"] = "test-embedding";
        Environment["Model__MaxRetries"] = "0";
        // No automatic retrieval: its embedding call would take the scripted faults and delays meant for the chat call.
        Environment["Knowledge__RetrievalTop"] = "0";
        Environment["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:01";
        Environment["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.500";
    }
}
