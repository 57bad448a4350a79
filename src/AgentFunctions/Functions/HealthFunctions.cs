using AgentFunctions.Knowledge;
using AgentFunctions.Middleware;
using AgentFunctions.Secrets;
using AgentFunctions.Storage;
using Azure;
using Azure.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions;

internal sealed partial class HealthFunctions(
    StorageProbe storage,
    UnresolvedSecretSettings unresolvedSecrets,
    IEnumerable<ISearchIndexHealth> searchIndex,
    ILogger<HealthFunctions> logger)
{
    /// <summary>
    /// Liveness plus storage reachability (tables and queues, one cheap listing each, the result kept a few
    /// seconds: <see cref="StorageProbe"/>); no org, no auth. The answer never names an endpoint, account or
    /// setting; the cause goes to the log.
    /// Storage unreachable is 503; what the app serves around is 200 <c>degraded</c> with a detail:
    /// <c>secrets: unresolved</c> (an app setting is still a Key Vault reference; <c>adminApi: off</c> when it is the
    /// admin key) and <c>knowledgeIndex</c> (<c>pending</c>, <c>ready</c>, <c>failed</c>) when AI Search is configured.
    /// </summary>
    [Function(nameof(Health))]
    [WithoutOrg]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var failure = await storage.CheckAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (failure is null)
        {
            return new OkObjectResult(Report());
        }

        if (failure is not (RequestFailedException or AggregateException or AuthenticationFailedException or CredentialUnavailableException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        LogStorageUnreachable(logger, failure.GetType().Name, failure);
        return new ObjectResult(new { status = "degraded", storage = "unreachable" }) { StatusCode = StatusCodes.Status503ServiceUnavailable };
    }

    private Dictionary<string, string> Report()
    {
        var report = new Dictionary<string, string> { ["status"] = "ok" };
        if (unresolvedSecrets.Names.Count > 0)
        {
            report["secrets"] = "unresolved";
            if (unresolvedSecrets.Contains("ADMIN_API_KEY"))
            {
                report["adminApi"] = "off";
            }
        }

        foreach (var index in searchIndex)
        {
            report["knowledgeIndex"] = index.Status.ToString().ToLowerInvariant();
        }

        if (report.ContainsKey("secrets") || report.GetValueOrDefault("knowledgeIndex") == "failed")
        {
            report["status"] = "degraded";
        }

        return report;
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Warning, Message = "Health check: storage unreachable ({ExceptionType})")]
    private static partial void LogStorageUnreachable(ILogger logger, string exceptionType, Exception exception);
}
