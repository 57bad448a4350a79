using System.Text.Json.Serialization;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Orgs;

/// <summary>
/// An org's own model settings. <see cref="Endpoint"/> is a bring-your-own Azure OpenAI (or
/// OpenAI-compatible) endpoint; its credential is the app's managed identity, or the key held in
/// the app setting named by <see cref="ApiKeySetting"/> (e.g. a Key Vault reference). A plain key
/// is never stored.
/// </summary>
internal sealed record OrgModelSettings(
    [property: JsonPropertyName("deployment")] string? Deployment = null,
    [property: JsonPropertyName("temperature")] float? Temperature = null,
    [property: JsonPropertyName("maxOutputTokens")] int? MaxOutputTokens = null,
    [property: JsonPropertyName("endpoint")] Uri? Endpoint = null,
    [property: JsonPropertyName("apiKeySetting")] string? ApiKeySetting = null);

/// <summary>Per-org limits; null means unlimited.</summary>
internal sealed record OrgQuotas(
    [property: JsonPropertyName("requestsPerMinute")] int? RequestsPerMinute = null,
    [property: JsonPropertyName("tokensPerDay")] long? TokensPerDay = null);

/// <summary>What an operator sets for an org (the body of <c>PUT /api/admin/orgs/{orgId}</c>, validated).</summary>
internal sealed record OrgDefinition(
    string DisplayName,
    string? SystemPrompt,
    OrgModelSettings Model,
    OrgQuotas Quotas,
    bool Enabled,
    OrgRetentionSettings? Retention = null);

internal enum OrgStatus
{
    Active,
    Disabled,

    /// <summary>Offboarding has started: refused everywhere, its data is being removed.</summary>
    Deleting,
}

/// <summary>
/// A registered org (or the implicit default org). <see cref="Version"/> grows with every change,
/// so caches keyed by it (per-org chat clients) are rebuilt when settings change.
/// </summary>
internal sealed record OrgRecord(
    OrgId OrgId,
    OrgDefinition Definition,
    bool Deleting,
    bool Registered,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public OrgStatus Status => Deleting ? OrgStatus.Deleting : Definition.Enabled ? OrgStatus.Active : OrgStatus.Disabled;

    /// <summary>The default org when nobody registered it: enabled, configuration defaults, no quotas.</summary>
    public static OrgRecord Implicit(OrgId orgId) =>
        new(orgId, new OrgDefinition(orgId.Value, null, new OrgModelSettings(), new OrgQuotas(), Enabled: true),
            Deleting: false, Registered: false, Version: 0, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
}

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
