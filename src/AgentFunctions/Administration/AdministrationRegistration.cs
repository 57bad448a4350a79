using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Administration;

internal static class AdministrationRegistration
{
    /// <summary>The platform operator's operations over orgs, keys and usage. Needs <c>AddOrgs</c>, <c>AddAuth</c> and <c>AddUsage</c>.</summary>
    public static IServiceCollection AddAdministration(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OrgAdministration>();
        return services;
    }
}
