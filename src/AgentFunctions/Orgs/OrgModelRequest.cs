using System.Text.Json.Serialization;
using AgentFunctions.Errors;

namespace AgentFunctions.Orgs;

/// <summary>The <c>model</c> object of an org; <c>apiKey</c> is only read to refuse it.</summary>
internal sealed record OrgModelRequest(
    [property: JsonPropertyName("deployment")] string? Deployment = null,
    [property: JsonPropertyName("temperature")] float? Temperature = null,
    [property: JsonPropertyName("maxOutputTokens")] int? MaxOutputTokens = null,
    [property: JsonPropertyName("endpoint")] string? Endpoint = null,
    [property: JsonPropertyName("apiKeySetting")] string? ApiKeySetting = null,
    [property: JsonPropertyName("apiKey")] string? ApiKey = null)
{
    public OrgModelSettings Validate()
    {
        if (ApiKey is not null)
        {
            throw ApiException.InvalidRequest("model.apiKey",
                "is never stored: put the key in the app's Key Vault (secret ORGKEY-<NAME>; locally an app setting ORGKEY_<NAME>) and name it in 'model.apiKeySetting' as ORGKEY_<NAME>, or omit both to use the app's managed identity.");
        }

        if (Deployment is not null && !IsName(Deployment, 128, ".:/-_"))
        {
            throw ApiException.InvalidRequest("model.deployment", "must be 1-128 characters of A-Z, a-z, 0-9, '.', ':', '/', '-' and '_', starting with a letter or digit.");
        }

        if (Temperature is { } t && (float.IsNaN(t) || t < 0 || t > 2))
        {
            throw ApiException.InvalidRequest("model.temperature", "must be between 0 and 2.");
        }

        if (MaxOutputTokens is < 1 or > 1_000_000)
        {
            throw ApiException.InvalidRequest("model.maxOutputTokens", "must be between 1 and 1000000.");
        }

        Uri? endpoint = null;
        if (Endpoint is not null && !TryParseEndpoint(Endpoint, out endpoint))
        {
            throw ApiException.InvalidRequest("model.endpoint", "must be an absolute https URL without credentials or query (http only for loopback addresses).");
        }

        if (endpoint is not null && Deployment is null)
        {
            throw ApiException.InvalidRequest("model.deployment", "is required with 'model.endpoint' (the org's own resource has its own deployments).");
        }

        if (ApiKeySetting is not null)
        {
            if (endpoint is null)
            {
                throw ApiException.InvalidRequest("model.apiKeySetting", "is only used with 'model.endpoint'.");
            }

            if (ApiKeySetting.Length <= OrgKeySettingPrefix.Length || !ApiKeySetting.StartsWith(OrgKeySettingPrefix, StringComparison.Ordinal) || !IsName(ApiKeySetting, 128, "_"))
            {
                throw ApiException.InvalidRequest("model.apiKeySetting",
                    $"must be a secret name that starts with '{OrgKeySettingPrefix}' (1-128 characters of A-Z, a-z, 0-9 and '_'; in Key Vault each '_' is '-'), so it can never name one of the platform's own secrets.");
            }
        }
        else if (endpoint is not null && !IsAzureOpenAIHost(endpoint))
        {
            // Without a key the app's managed identity signs in; its token is valid on the platform's own
            // Azure OpenAI resource, so it is only ever sent to Azure's own model endpoints.
            throw ApiException.InvalidRequest("model.apiKeySetting",
                "is required for an endpoint outside Azure OpenAI (*.openai.azure.com, *.cognitiveservices.azure.com, *.services.ai.azure.com): the app identity is only used with Azure.");
        }

        return new OrgModelSettings(Deployment, Temperature, MaxOutputTokens, endpoint, ApiKeySetting);
    }

    /// <summary>Every setting an org's model key may be read from starts with this.</summary>
    public const string OrgKeySettingPrefix = "ORGKEY_";

    private static readonly string[] AzureOpenAIHostSuffixes = [".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com"];

    private static bool IsAzureOpenAIHost(Uri endpoint) =>
        endpoint.IsLoopback || AzureOpenAIHostSuffixes.Any(suffix => endpoint.Host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase));

    private static bool TryParseEndpoint(string text, out Uri? endpoint)
    {
        endpoint = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return false;
        }

        var secure = uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);
        endpoint = secure ? uri : null;
        return secure;
    }

    private static bool IsName(string text, int maxLength, string extra) =>
        text.Length is > 0 && text.Length <= maxLength && char.IsAsciiLetterOrDigit(text[0])
        && text.All(c => char.IsAsciiLetterOrDigit(c) || extra.Contains(c, StringComparison.Ordinal));
}
