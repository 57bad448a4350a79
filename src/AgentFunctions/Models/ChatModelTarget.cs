using AgentFunctions.Secrets;

namespace AgentFunctions.Models;

/// <summary>
/// Which chat model one org's runs use: the model (deployment) name (null: the app's default), optionally on the
/// org's own endpoint. <see cref="ApiKeySetting"/> names the secret that holds that endpoint's key (Key Vault in
/// Azure, an app setting locally; see <see cref="IOrgSecrets"/>; null: the app's managed identity). <see cref="Version"/> is the org's settings version: a new one rebuilds the client.
/// </summary>
internal sealed record ChatModelTarget(string? Model = null, Uri? Endpoint = null, string? ApiKeySetting = null, long Version = 0);
