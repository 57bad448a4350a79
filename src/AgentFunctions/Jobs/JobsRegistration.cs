using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Jobs;

internal static class JobsRegistration
{
    /// <summary>Queued agent runs: store, queue, service, and the store's part of offboarding. Needs <c>IAgent</c> from the agent area.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IOrgRetentionPolicy, KeepEverything>(); // until the org area replaces it
        services.TryAddSingleton<JobStore>();
        services.TryAddSingleton<JobCompletions>();
        services.TryAddSingleton<IJobDispatcher, StorageJobQueue>();
        services.TryAddScoped<JobService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, JobStore>(sp => sp.GetRequiredService<JobStore>()));
        return services;
    }
}
