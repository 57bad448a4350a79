using System.Text.Json.Serialization;

namespace AgentFunctions.Orgs;

/// <summary>The org as the admin API shows it.</summary>
internal sealed record OrgView(
    [property: JsonPropertyName("orgId")] string OrgId,
    [property: JsonPropertyName("displayName")] string DisplayName,
    [property: JsonPropertyName("systemPrompt")] string? SystemPrompt,
    [property: JsonPropertyName("model")] OrgModelSettings Model,
    [property: JsonPropertyName("quotas")] OrgQuotas Quotas,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("status")] OrgStatus Status,
    [property: JsonPropertyName("registered")] bool Registered,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("retention"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OrgRetentionSettings? Retention)
{
    public static OrgView From(OrgRecord org) =>
        new(org.OrgId.Value, org.Definition.DisplayName, org.Definition.SystemPrompt, org.Definition.Model, org.Definition.Quotas,
            org.Definition.Enabled, org.Status, org.Registered, org.Version, org.CreatedAt, org.UpdatedAt, org.Definition.Retention);
}
