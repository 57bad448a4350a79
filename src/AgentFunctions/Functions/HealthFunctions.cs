using AgentFunctions.Middleware;
using Azure;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Functions;

internal sealed partial class HealthFunctions(TableServiceClient tables, QueueServiceClient queues, ILogger<HealthFunctions> logger)
{
    /// <summary>
    /// Liveness plus storage reachability (tables and queues, one cheap listing each); no org, no
    /// auth. The answer never names an endpoint, account or setting; the cause goes to the log.
    /// </summary>
    [Function(nameof(Health))]
    [WithoutOrg]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(
                tables.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages().FirstAsync(cancellationToken).AsTask(),
                queues.GetQueuesAsync(cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).FirstAsync(cancellationToken).AsTask()).ConfigureAwait(false);
            return new OkObjectResult(new { status = "ok" });
        }
        catch (Exception exception) when (exception is RequestFailedException or AggregateException or AuthenticationFailedException or CredentialUnavailableException)
        {
            LogStorageUnreachable(logger, exception.GetType().Name, exception);
            return new ObjectResult(new { status = "degraded", storage = "unreachable" }) { StatusCode = StatusCodes.Status503ServiceUnavailable };
        }
    }

    [LoggerMessage(EventId = 2300, Level = LogLevel.Warning, Message = "Health check: storage unreachable ({ExceptionType})")]
    private static partial void LogStorageUnreachable(ILogger logger, string exceptionType, Exception exception);
}
