using System.Globalization;
using AgentFunctions.Auth;
using AgentFunctions.Errors;
using AgentFunctions.Orgs;
using AgentFunctions.Tenancy;
using AgentFunctions.Usage;

namespace AgentFunctions.Administration;

/// <summary>What the admin API does (docs/api.md, "Admin"); the caller is already known to be the platform admin.</summary>
internal sealed class OrgAdministration(IOrgRegistry registry, IApiKeyStore keys, OrgOffboarding offboarding, TableUsageStore usage, TimeProvider time)
{
    public const int MaxUsageDays = 366;

    public static OrgId ParseOrgId(string? text) =>
        OrgId.TryParse(text, out var orgId) ? orgId : throw ApiException.InvalidOrgId();

    public async Task<OrgRecord> PutAsync(OrgId orgId, OrgPutRequest request, CancellationToken cancellationToken) =>
        await registry.PutAsync(orgId, request.Validate(), cancellationToken).ConfigureAwait(false);

    public async Task<OrgRecord> GetAsync(OrgId orgId, CancellationToken cancellationToken) =>
        await registry.GetAsync(orgId, cancellationToken).ConfigureAwait(false) ?? throw NotRegistered(orgId);

    public Task<IReadOnlyList<OrgRecord>> ListAsync(CancellationToken cancellationToken) => registry.ListAsync(cancellationToken);

    public async Task<OrgRecord> DeleteAsync(OrgId orgId, CancellationToken cancellationToken) =>
        await offboarding.StartAsync(orgId, cancellationToken).ConfigureAwait(false) ?? throw NotRegistered(orgId);

    public async Task<ApiKeySecret.Issued> CreateKeyAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (org.Deleting)
        {
            throw ApiException.Conflict($"Org '{orgId.Value}' is being deleted.");
        }

        return await keys.CreateAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    public async Task RevokeKeyAsync(OrgId orgId, string keyId, CancellationToken cancellationToken)
    {
        if (!Identifiers.IsResourceId(keyId))
        {
            throw ApiException.InvalidRequest("keyId", "is not a key id.");
        }

        if (!await keys.RevokeAsync(orgId, keyId, cancellationToken).ConfigureAwait(false))
        {
            throw ApiException.NotFound($"Key '{keyId}'");
        }
    }

    /// <summary>Usage per day between <paramref name="from"/> and <paramref name="to"/> (yyyy-MM-dd, inclusive; default the last 30 days).</summary>
    public async Task<IReadOnlyList<UsageDay>> GetUsageAsync(OrgId orgId, string? from, string? to, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var last = ParseDate("to", to) ?? today;
        var first = ParseDate("from", from) ?? last.AddDays(-29);
        if (first > last || last.DayNumber - first.DayNumber >= MaxUsageDays)
        {
            throw ApiException.InvalidRequest("from", $"must not be after 'to', and the range at most {MaxUsageDays} days.");
        }

        await GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        return await usage.ListAsync(orgId, first, last, cancellationToken).ConfigureAwait(false);
    }

    private static DateOnly? ParseDate(string field, string? text) =>
        string.IsNullOrEmpty(text) ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw ApiException.InvalidRequest(field, "must be a date as yyyy-MM-dd.");

    private static ApiException NotRegistered(OrgId orgId) =>
        new(404, ErrorCodes.OrgNotFound, $"Org '{orgId.Value}' is not registered.");
}
