namespace AgentFunctions.Orgs;

/// <summary>What an operator sets for an org (the body of <c>PUT /api/admin/orgs/{orgId}</c>, validated).</summary>
internal sealed record OrgDefinition(
    string DisplayName,
    string? SystemPrompt,
    OrgModelSettings Model,
    OrgQuotas Quotas,
    bool Enabled,
    OrgRetentionSettings? Retention = null);
