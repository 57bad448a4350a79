namespace AgentFunctions.Middleware;

/// <summary>Marks a function that runs without an org (health, platform admin).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class WithoutOrgAttribute : Attribute;
