namespace AgentFunctions.Tenancy;

/// <summary>The outcome of <see cref="IOrgAccessPolicy"/>: who the caller is.</summary>
internal sealed record OrgAccessGrant(string Principal);
