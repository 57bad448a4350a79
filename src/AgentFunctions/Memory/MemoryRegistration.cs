using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Memory;

internal static class MemoryRegistration
{
    /// <summary>The memory lifecycle: the retention sweep and its cursor, the org export. Needs the conversation, job and org areas.</summary>
    public static IServiceCollection AddMemory(this IServiceCollection services)
    {
        services.AddOptions<RetentionSweepOptions>().BindConfiguration(RetentionSweepOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SweepCursor>();
        services.TryAddSingleton<RetentionSweep>();
        services.TryAddSingleton<OrgExport>();
        return services;
    }
}
