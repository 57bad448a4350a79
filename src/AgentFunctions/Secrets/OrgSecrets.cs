using System.Collections.Concurrent;
using Azure;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Secrets;

/// <summary>
/// Reads a named secret from the Key Vault (when <paramref name="vault"/> is given), else from the app setting of that
/// name, and keeps what it read (a miss too) for <see cref="SecretsOptions.CacheSeconds"/>. Key Vault secret names
/// allow no <c>_</c>, so the setting name <c>ORGKEY_ACME</c> is the secret <c>ORGKEY-ACME</c>. A refusal by the vault
/// (roles still propagating, network) is not cached, so the next call tries again.
/// </summary>
internal sealed partial class OrgSecrets(
    IOptions<SecretsOptions> options,
    IConfiguration configuration,
    SecretClient? vault,
    TimeProvider time,
    ILogger<OrgSecrets> logger) : IOrgSecrets
{
    private readonly ConcurrentDictionary<string, (string? Value, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public static string VaultSecretName(string name) => name.Replace('_', '-');

    public async Task<string> GetAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(name, out var cached) || cached.Expires <= now)
        {
            cached = (await ReadAsync(name, cancellationToken).ConfigureAwait(false), now.AddSeconds(options.Value.CacheSeconds));
            if (options.Value.CacheSeconds > 0)
            {
                _cache[name] = cached;
            }
        }

        return cached.Value ?? throw new SecretUnavailableException(vault is null
            ? $"The app setting '{name}' is not set."
            : $"The secret '{VaultSecretName(name)}' is not in the app's Key Vault, and no app setting '{name}' is set.");
    }

    private async Task<string?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        if (vault is not null)
        {
            var secretName = VaultSecretName(name);
            try
            {
                var secret = await vault.GetSecretAsync(secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (KeyVaultReference.Usable(secret.Value.Value) is { } value)
                {
                    return value;
                }
            }
            catch (RequestFailedException notFound) when (notFound.Status == 404)
            {
                // Not in the vault: the app setting of the same name may hold it (local development).
            }
            catch (Exception refused) when (refused is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException)
            {
                LogVaultRefused(logger, secretName, (refused as RequestFailedException)?.Status ?? 0, refused.GetType().Name);
                throw new SecretUnavailableException(
                    $"The app's Key Vault refused the secret '{secretName}': the app identity needs the Key Vault Secrets User role on the vault (it can take minutes to apply).",
                    refused);
            }
        }

        var setting = configuration[name];
        if (KeyVaultReference.IsUnresolved(setting))
        {
            throw new SecretUnavailableException($"The app setting '{name}' is a Key Vault reference App Service could not resolve; it is never used as a key.");
        }

        return KeyVaultReference.Usable(setting);
    }

    [LoggerMessage(EventId = 3400, Level = LogLevel.Warning, Message = "Key Vault refused secret {SecretName} (status {Status}, {ExceptionType})")]
    private static partial void LogVaultRefused(ILogger logger, string secretName, int status, string exceptionType);
}
