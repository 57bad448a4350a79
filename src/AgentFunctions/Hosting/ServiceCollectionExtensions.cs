using AgentFunctions.Agents;
using AgentFunctions.Audit;
using AgentFunctions.Auth;
using AgentFunctions.Conversations;
using AgentFunctions.DataStore;
using AgentFunctions.Knowledge;
using AgentFunctions.Middleware;
using AgentFunctions.Models;
using AgentFunctions.Observability;
using AgentFunctions.OpenAi;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Hosting;

public static class ServiceCollectionExtensions
{
    /// <summary>Everything the app needs; one call per area.</summary>
    public static IServiceCollection AddAgentFunctions(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddTenancy()
            .AddStorage(configuration)
            .AddObservability(configuration)
            .AddConversations()
            .AddKnowledge(configuration)
            .AddDataStore()
            .AddModels()
            .AddAgents()
            .AddOpenAi()
            .AddJobs()
            .AddOrgs(); // last: wraps the agent's configuration settings and usage meter

    public static IServiceCollection AddTenancy(this IServiceCollection services)
    {
        services.AddOptions<TenancyOptions>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<OrgContext>();
        services.AddSingleton<FunctionCatalog>();
        services.TryAddSingleton<IOrgAccessPolicy, OpenOrgAccessPolicy>();
        services.TryAddSingleton<IOrgAccessAuditor, LoggingOrgAccessAuditor>();
        return services;
    }

    /// <summary>
    /// Org registry, caller authentication, quotas and usage, the audit trail and offboarding. Replaces the
    /// open access policy, the log-only auditor and the metering/settings defaults whichever order the areas register in.
    /// </summary>
    public static IServiceCollection AddOrgs(this IServiceCollection services)
    {
        services.AddOptions<OrgsOptions>().BindConfiguration(OrgsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IOrgRegistry, TableOrgRegistry>();
        services.AddSingleton<TableApiKeyStore>();
        services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<TableApiKeyStore>());
        services.AddSingleton<JwtValidator>();
        services.AddSingleton<ICallerAuthenticator, CallerAuthenticator>();
        services.AddSingleton<TableUsageStore>();
        services.AddSingleton<IRequestRateLimiter>(sp => sp.GetRequiredService<TableUsageStore>());
        services.AddSingleton<LoggingOrgAccessAuditor>();
        services.AddSingleton<TableAuditTrail>();
        services.AddSingleton<IAuditTrail>(sp => sp.GetRequiredService<TableAuditTrail>());
        services.AddSingleton<AdminGuard>();
        services.AddSingleton<OrgOffboarding>();
        services.AddSingleton<OrgAdministration>();
        services.Replace(ServiceDescriptor.Singleton<IOrgAccessPolicy, RegistryOrgAccessPolicy>());
        services.Replace(ServiceDescriptor.Singleton<IOrgAccessAuditor>(sp => sp.GetRequiredService<TableAuditTrail>()));
        services.Replace(ServiceDescriptor.Singleton<IUsageMeter, TokenQuotaMeter>());
        services.AddSingleton<IOrgDataOwner>(sp => sp.GetRequiredService<TableApiKeyStore>());
        services.AddSingleton<IOrgDataOwner>(sp => sp.GetRequiredService<TableUsageStore>());
        services.AddSingleton<IOrgDataOwner>(sp => sp.GetRequiredService<TableAuditTrail>());

        // Per-org settings decorate the configuration-based defaults of the agent area: register that area first.
        services.TryAddSingleton<IOrgAgentSettingsSource, EmptyAgentSettingsSource>();
        var defaults = services.Last(d => d.ServiceType == typeof(IOrgAgentSettingsSource) && !d.IsKeyedService);
        services.Remove(defaults);
        const string key = RegistryAgentSettingsSource.DefaultsKey;
        services.Add(
            defaults.ImplementationType is { } type ? ServiceDescriptor.KeyedSingleton(typeof(IOrgAgentSettingsSource), key, type)
            : defaults.ImplementationFactory is { } factory ? ServiceDescriptor.KeyedSingleton<IOrgAgentSettingsSource>(key, (sp, _) => (IOrgAgentSettingsSource)factory(sp))
            : ServiceDescriptor.KeyedSingleton(typeof(IOrgAgentSettingsSource), key, defaults.ImplementationInstance!));
        services.AddSingleton<IOrgAgentSettingsSource>(sp => new RegistryAgentSettingsSource(
            sp.GetRequiredService<IOrgRegistry>(), sp.GetRequiredKeyedService<IOrgAgentSettingsSource>(key)));
        return services;
    }

    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => StorageClients.CreateTableServiceClient(configuration));
        services.AddSingleton(_ => StorageClients.CreateQueueServiceClient(configuration));
        services.AddSingleton<TableProvider>();
        services.AddSingleton<QueueProvider>();
        services.AddSingleton<IDeadLetters, PoisonMessages>();
        return services;
    }
}
