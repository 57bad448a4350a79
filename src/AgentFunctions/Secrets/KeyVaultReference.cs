namespace AgentFunctions.Secrets;

/// <summary>
/// App Service replaces an app setting of the form <c>@Microsoft.KeyVault(SecretUri=…)</c> with the secret's value, but
/// when it cannot (the identity's role still propagating on a first start, a deleted secret) the app receives the
/// reference itself. That text is long and guessable from the public host name, so it must never count as a secret:
/// every secret setting the app reads goes through <see cref="Usable"/>, which treats it as unset.
/// </summary>
internal static class KeyVaultReference
{
    private const string Prefix = "@Microsoft.KeyVault(";

    /// <summary>True when <paramref name="value"/> is a Key Vault reference App Service did not resolve.</summary>
    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The secret setting's value, or null when it is unset, empty or an unresolved Key Vault reference.</summary>
    public static string? Usable(string? value) => string.IsNullOrEmpty(value) || IsUnresolved(value) ? null : value;
}
