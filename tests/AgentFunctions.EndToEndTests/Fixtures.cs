using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests;

/// <summary>The real AgentFunctions worker behind the local host, multitenancy on, no default org.</summary>
public sealed class AgentFunctionsHost : LocalHostFixture
{
    public AgentFunctionsHost()
        : base(AgentFunctionsAssembly)
    {
        Environment["MULTITENANCY_ENABLED"] = "true";
        Environment["DEFAULT_ORG_ID"] = string.Empty;
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

    public TestWorkerHost()
        : base(RepositoryPaths.BuildOutput("tests/LocalHost.TestWorker", "LocalHost.TestWorker.dll"))
    {
        Environment["WORK_QUEUE"] = WorkQueue;
        Environment["AzureFunctionsJobHost__extensions__queues__maxDequeueCount"] = "2";
    }
}
