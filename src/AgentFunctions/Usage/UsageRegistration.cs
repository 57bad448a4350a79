using AgentFunctions.Agents;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Usage;

internal static class UsageRegistration
{
    /// <summary>
    /// Usage counters (held per invocation, see <see cref="IDeferredWrites"/>), the request rate limiter, and the token quota
    /// meter, which replaces the agent's unmetered default.
    /// </summary>
    public static IServiceCollection AddUsage(this IServiceCollection services)
    {
        services.AddOptions<UsageOptions>().BindConfiguration(UsageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TableUsageStore>();
        services.TryAddSingleton<UsageReports>();
        services.TryAddSingleton<IRequestRateLimiter>(sp => sp.GetRequiredService<TableUsageStore>());
        services.Replace(ServiceDescriptor.Singleton<IUsageMeter, TokenQuotaMeter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, TableUsageStore>(sp => sp.GetRequiredService<TableUsageStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeferredWrites, TableUsageStore>(sp => sp.GetRequiredService<TableUsageStore>()));
        return services;
    }
}
