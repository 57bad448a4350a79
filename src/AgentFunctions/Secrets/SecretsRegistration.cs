using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Secrets;

internal static partial class SecretsRegistration
{
    /// <summary>
    /// Per-org secrets (Key Vault in Azure, app settings locally) and the check for app settings App Service left as
    /// unresolved Key Vault references (logged at start, reported by health). Safe to call twice.
    /// </summary>
    public static IServiceCollection AddSecrets(this IServiceCollection services)
    {
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UnresolvedSecretSettings>();
        services.TryAddSingleton<IOrgSecrets>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SecretsOptions>>();
            // AZURE_CLIENT_ID (set by the template) points DefaultAzureCredential at the app's user-assigned identity.
            TokenCredential credential = new DefaultAzureCredential();
            var vault = options.Value.KeyVaultUri is { } uri ? new SecretClient(uri, credential) : null;
            return new OrgSecrets(options, sp.GetRequiredService<IConfiguration>(), vault, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OrgSecrets>>());
        });
        if (!services.Any(d => d.ImplementationType == typeof(UnresolvedSecretsLogger)))
        {
            services.AddHostedService<UnresolvedSecretsLogger>();
        }

        return services;
    }

    /// <summary>One warning per unresolved setting at start: the cause of an admin API that stays off is in the log.</summary>
    private sealed partial class UnresolvedSecretsLogger(UnresolvedSecretSettings unresolved, ILogger<UnresolvedSecretSettings> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var name in unresolved.Names)
            {
                LogUnresolved(logger, name);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 3401, Level = LogLevel.Warning,
            Message = "App setting {SettingName} is a Key Vault reference App Service could not resolve (the identity's Key Vault role may still be propagating); it is treated as unset until the app restarts with it resolved")]
        private static partial void LogUnresolved(ILogger logger, string settingName);
    }
}
