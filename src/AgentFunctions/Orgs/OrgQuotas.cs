using System.Text.Json.Serialization;

namespace AgentFunctions.Orgs;

/// <summary>Per-org limits; null means unlimited.</summary>
internal sealed record OrgQuotas(
    [property: JsonPropertyName("requestsPerMinute")] int? RequestsPerMinute = null,
    [property: JsonPropertyName("tokensPerDay")] long? TokensPerDay = null);
