using AgentFunctions.Jobs;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Hosting;

public static class JobsRegistration
{
    /// <summary>Queued agent runs: store, queue, service, offboarding. Needs <c>IAgent</c> from the agent area.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<JobStore>();
        services.AddSingleton<IJobDispatcher, StorageJobQueue>();
        services.AddScoped<JobService>();
        services.AddSingleton<IOrgDataOwner, JobDataOwner>();
        return services;
    }
}
