namespace AgentFunctions.Middleware;

/// <summary>
/// Marks a platform-admin function: <see cref="AdminOnlyMiddleware"/> validates the <c>{orgId}</c> route value (when the
/// route has one) and checks <c>X-Admin-Key</c> before the function runs. Combine with <see cref="WithoutOrgAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class AdminOnlyAttribute : Attribute;
