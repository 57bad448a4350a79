using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests;

/// <summary>
/// The real AgentFunctions worker behind the local host, multitenancy on, no default org, caller
/// authentication off (orgs must still be registered: <see cref="NewOrgAsync"/>).
/// </summary>
public sealed class AgentFunctionsHost : LocalHostFixture
{
    public const string AdminKey = "e2e-admin-key-0123456789abcdef0123456789";

    public AgentFunctionsHost()
        : base(AgentFunctionsAssembly)
    {
        Environment["MULTITENANCY_ENABLED"] = "true";
        Environment["DEFAULT_ORG_ID"] = string.Empty;
        Environment["Auth__Enabled"] = "false";
        Environment["ADMIN_API_KEY"] = AdminKey;
    }

    /// <summary>Registers a new, empty org through the admin API and returns its id.</summary>
    public async Task<string> NewOrgAsync()
    {
        var org = $"org-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"api/admin/orgs/{org}", UriKind.Relative))
        {
            Content = new StringContent("""{"displayName":"e2e"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return org;
    }
}

/// <summary>
/// The local host's own test worker (tests/LocalHost.TestWorker): functions that report what the host
/// delivered. Queue settings come from its host.json, overridden here as the real host allows
/// (AzureFunctionsJobHost__...), so retries are quick.
/// </summary>
public sealed class TestWorkerHost : LocalHostFixture
{
    public const string WorkQueue = "work-items";

    /// <summary>The timer function's schedule: every second second.</summary>
    public const string TickSchedule = "*/2 * * * * *";

    public TestWorkerHost()
        : base(RepositoryPaths.BuildOutput("tests/LocalHost.TestWorker", "LocalHost.TestWorker.dll"))
    {
        Environment["WORK_QUEUE"] = WorkQueue;
        Environment["TICK_SCHEDULE"] = TickSchedule;
        Environment["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "2";
    }
}
