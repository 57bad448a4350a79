using System.Text.Json.Serialization;
using AgentFunctions.Errors;

namespace AgentFunctions.Orgs;

/// <summary>The body of <c>PUT /api/admin/orgs/{orgId}</c> (docs/api.md, "Admin"); <see cref="Validate"/> refuses bad input before any I/O.</summary>
internal sealed record OrgPutRequest(
    [property: JsonPropertyName("displayName")] string? DisplayName,
    [property: JsonPropertyName("systemPrompt")] string? SystemPrompt,
    [property: JsonPropertyName("model")] OrgModelRequest? Model,
    [property: JsonPropertyName("quotas")] OrgQuotas? Quotas,
    [property: JsonPropertyName("enabled")] bool? Enabled,
    [property: JsonPropertyName("retention")] OrgRetentionSettings? Retention = null)
{
    public const int MaxDisplayNameLength = 200;

    /// <summary>Keeps the settings row well under the 64 KiB string-property limit of Table Storage.</summary>
    public const int MaxSystemPromptLength = 16_000;

    public OrgDefinition Validate()
    {
        if (string.IsNullOrWhiteSpace(DisplayName))
        {
            throw ApiException.InvalidRequest("displayName", "is required.");
        }

        if (DisplayName.Length > MaxDisplayNameLength)
        {
            throw ApiException.InvalidRequest("displayName", $"must be at most {MaxDisplayNameLength} characters.");
        }

        if (SystemPrompt is { Length: > MaxSystemPromptLength })
        {
            throw ApiException.PayloadTooLarge($"'systemPrompt' is longer than {MaxSystemPromptLength} characters.");
        }

        Retention?.Parse("retention");
        return new OrgDefinition(DisplayName, SystemPrompt, (Model ?? new OrgModelRequest()).Validate(), ValidateQuotas(Quotas ?? new OrgQuotas()), Enabled ?? true, Retention);
    }

    private static OrgQuotas ValidateQuotas(OrgQuotas quotas)
    {
        if (quotas.RequestsPerMinute is < 1 or > 1_000_000)
        {
            throw ApiException.InvalidRequest("quotas.requestsPerMinute", "must be between 1 and 1000000 (omit it for no limit).");
        }

        if (quotas.TokensPerDay is < 1 or > 1_000_000_000_000)
        {
            throw ApiException.InvalidRequest("quotas.tokensPerDay", "must be between 1 and 10^12 (omit it for no limit).");
        }

        return quotas;
    }
}
