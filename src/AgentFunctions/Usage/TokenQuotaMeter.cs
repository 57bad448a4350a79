using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Observability;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Usage;

/// <summary>
/// <c>tokensPerDay</c>: checked before each model call against today's usage (UTC day; this instance's exactly, other
/// instances' as read at most <c>Usage__SyncMilliseconds</c> ago), recorded after each run. Runs that pass the check
/// concurrently may together overshoot the limit by at most their own usage; every later run of that day is refused.
/// </summary>
internal sealed class TokenQuotaMeter(IOrgRegistry registry, TableUsageStore store, AgentMetrics metrics, TimeProvider time) : IUsageMeter
{
    public async ValueTask EnsureWithinQuotaAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await registry.FindAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org?.Definition.Quotas.TokensPerDay is not { } limit)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (await store.GetTodayTokensAsync(orgId, cancellationToken).ConfigureAwait(false) >= limit)
        {
            metrics.RecordQuotaRefusal(orgId, "tokensPerDay");
            var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
            throw QuotaExceeded($"The org's quota of {limit} tokens per day is used up; it resets at 00:00 UTC.", midnight - now);
        }
    }

    public async ValueTask RecordAsync(OrgId orgId, UsageEntry usage, CancellationToken cancellationToken) =>
        await store.AddAsync(orgId, usage, cancellationToken).ConfigureAwait(false);

    public static ApiException QuotaExceeded(string detail, TimeSpan retryAfter) =>
        new(429, ErrorCodes.QuotaExceeded, detail, retryAfter);
}
