using AgentFunctions.Middleware;
using AgentFunctions.Serialization;
using AgentFunctions.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>docs/api.md, "Usage": the caller's org's own token usage.</summary>
internal sealed class UsageFunctions(UsageReports reports)
{
    [Function(nameof(GetUsage))]
    public async Task<IActionResult> GetUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "usage")] HttpRequest request, FunctionContext context, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var report = await reports.GetAsync(context.GetOrgId(), Single(query, "from"), Single(query, "to"), Single(query, "groupBy"), cancellationToken)
            .ConfigureAwait(false);
        return new JsonResult(report, ApiJson.Options);
    }

    private static string? Single(IQueryCollection query, string name) => query.TryGetValue(name, out var values) ? values.ToString() : null;
}
