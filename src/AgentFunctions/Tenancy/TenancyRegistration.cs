using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Tenancy;

internal static class TenancyRegistration
{
    /// <summary>Tenancy settings, the per-invocation <see cref="OrgContext"/>, and the open access policy and log-only auditor as defaults.</summary>
    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.AddOptions<TenancyOptions>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddScoped<OrgContext>();
        services.TryAddSingleton<LoggingOrgAccessAuditor>();
        services.TryAddSingleton<IOrgAccessPolicy, OpenOrgAccessPolicy>();
        services.TryAddSingleton<IOrgAccessAuditor>(sp => sp.GetRequiredService<LoggingOrgAccessAuditor>());
        return services;
    }
}
