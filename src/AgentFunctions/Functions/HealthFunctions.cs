using AgentFunctions.Middleware;
using AgentFunctions.Storage;
using Azure;
using Azure.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions;

internal sealed partial class HealthFunctions(StorageProbe storage, ILogger<HealthFunctions> logger)
{
    /// <summary>
    /// Liveness plus storage reachability (tables and queues, one cheap listing each, the result kept a few
    /// seconds: <see cref="StorageProbe"/>); no org, no auth. The answer never names an endpoint, account or
    /// setting; the cause goes to the log.
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
            return new OkObjectResult(new { status = "ok" });
        }

        if (failure is not (RequestFailedException or AggregateException or AuthenticationFailedException or CredentialUnavailableException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        LogStorageUnreachable(logger, failure.GetType().Name, failure);
        return new ObjectResult(new { status = "degraded", storage = "unreachable" }) { StatusCode = StatusCodes.Status503ServiceUnavailable };
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Warning, Message = "Health check: storage unreachable ({ExceptionType})")]
    private static partial void LogStorageUnreachable(ILogger logger, string exceptionType, Exception exception);
}
