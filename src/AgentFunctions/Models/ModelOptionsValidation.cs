using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Models;

internal static class ModelOptionsValidation
{
    public static IEnumerable<ValidationResult> Validate(
        string section, string? endpoint, string chatName, string? chat, string embeddingName, string? embedding, string? apiKey, string? clientId)
    {
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            foreach (var (name, value) in new[] { (chatName, chat), (embeddingName, embedding), ("ApiKey", apiKey), ("ClientId", clientId) })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    yield return new ValidationResult($"{section}__{name} is set but {section}__Endpoint is not: set {section}__Endpoint too.", ["Endpoint"]);
                }
            }

            yield break;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult($"{section}__Endpoint must be an absolute http(s) URL.", ["Endpoint"]);
        }

        if (string.IsNullOrWhiteSpace(chat))
        {
            yield return new ValidationResult($"{section}__Endpoint is set but {section}__{chatName} is not: set {section}__{chatName}.", [chatName]);
        }
    }
}
