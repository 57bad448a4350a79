using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Orgs;

/// <summary>The org's <c>retention</c> over the platform defaults (<c>Orgs__Retention__*</c>), from the cached registry entry.</summary>
internal sealed class RegistryRetentionPolicy(IOrgRegistry registry, IOptions<OrgsOptions> options) : IOrgRetentionPolicy
{
    private readonly OrgRetention _defaults = options.Value.Retention.Parse("Orgs:Retention");

    public async ValueTask<OrgRetention> GetAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var org = await registry.FindAsync(orgId, cancellationToken).ConfigureAwait(false);
        return org?.Definition.Retention is { } own ? OrgRetentionSettings.Over(own.Parse("retention"), _defaults) : _defaults;
    }
}
