using AgentFunctions.Middleware;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

public sealed class HealthFunctions(TableServiceClient tables)
{
    /// <summary>Liveness plus storage reachability; no org, no auth, no configuration in the answer.</summary>
    [Function(nameof(Health))]
    [WithoutOrg]
    public async Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        try
        {
            await tables.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages().FirstAsync(cancellationToken).ConfigureAwait(false);
            return new OkObjectResult(new { status = "ok" });
        }
        catch (Azure.RequestFailedException)
        {
            return new ObjectResult(new { status = "degraded", storage = "unreachable" }) { StatusCode = StatusCodes.Status503ServiceUnavailable };
        }
    }
}
