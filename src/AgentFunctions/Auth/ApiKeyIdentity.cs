using AgentFunctions.Tenancy;

namespace AgentFunctions.Auth;

/// <summary>The key of an org that a presented API key proved to be.</summary>
internal sealed record ApiKeyIdentity(OrgId OrgId, string KeyId);
