using Microsoft.Extensions.Configuration;

namespace AgentFunctions.Secrets;

/// <summary>
/// The app settings whose value is still a Key Vault reference (see <see cref="KeyVaultReference"/>): App Service could
/// not resolve them, so the app treats each as unset. Read once; App Service restarts the app when it resolves them.
/// </summary>
internal sealed class UnresolvedSecretSettings(IConfiguration configuration)
{
    private readonly Lazy<IReadOnlyList<string>> _names = new(() =>
        configuration.AsEnumerable()
            .Where(setting => KeyVaultReference.IsUnresolved(setting.Value))
            .Select(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList());

    /// <summary>Setting names (in <c>__</c> form), never values.</summary>
    public IReadOnlyList<string> Names => _names.Value;

    public bool Contains(string name) => Names.Contains(name, StringComparer.OrdinalIgnoreCase);
}
