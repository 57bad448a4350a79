using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentFunctions.Auth;

internal static class AuthRegistration
{
    /// <summary>Caller authentication (API keys, bearer tokens) and the registry-backed access policy, which replaces the open one.</summary>
    public static IServiceCollection AddAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(string.Empty).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TableApiKeyStore>();
        services.TryAddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<TableApiKeyStore>());
        services.TryAddSingleton<JwtValidator>();
        services.TryAddSingleton<FailedCallerLimiter>();
        services.TryAddSingleton<ICallerAuthenticator, CallerAuthenticator>();
        services.Replace(ServiceDescriptor.Singleton<IOrgAccessPolicy, RegistryOrgAccessPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOrgDataOwner, TableApiKeyStore>(sp => sp.GetRequiredService<TableApiKeyStore>()));
        return services;
    }
}
