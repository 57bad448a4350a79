namespace AgentFunctions.Secrets;

/// <summary>
/// Secrets an org's settings name (never hold): a model endpoint's key, named by <c>model.apiKeySetting</c>. Read
/// with the app's identity from the Key Vault in <c>Secrets__KeyVaultUri</c>, else from the app setting of that name.
/// </summary>
internal interface IOrgSecrets
{
    /// <summary>The secret's value; throws <see cref="SecretUnavailableException"/> naming the secret (never its value) when it cannot be read.</summary>
    Task<string> GetAsync(string name, CancellationToken cancellationToken);
}
