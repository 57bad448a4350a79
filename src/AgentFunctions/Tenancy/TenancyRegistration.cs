using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Tenancy;

internal static class TenancyRegistration
{
    /// <summary>Tenancy settings, the per-invocation <see cref="OrgContext"/>, the open access policy, the log-only auditor and keep-everything retention as defaults; the background retry of held writes (<see cref="DeferredWritesFlusher"/>).</summary>
    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.AddOptions<TenancyOptions>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddScoped<OrgContext>();
        services.TryAddSingleton<LoggingOrgAccessAuditor>();
        services.TryAddSingleton<IOrgAccessPolicy, OpenOrgAccessPolicy>();
        services.TryAddSingleton<IOrgRetentionPolicy, KeepEverything>();
        services.TryAddSingleton<IOrgAccessAuditor>(sp => sp.GetRequiredService<LoggingOrgAccessAuditor>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<DeferredWritesFlusher>();
        return services;
    }
}
