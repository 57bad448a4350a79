namespace AgentFunctions.Tenancy;

/// <summary>
/// The principal of the current invocation, flowing with the async call chain from the point
/// <see cref="OrgContext"/> is set (or a job run restores its submitter), so usage written deep in a
/// singleton service is attributed to the caller who caused it.
/// </summary>
internal static class CallerPrincipal
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>The acting principal, <c>anonymous</c> outside an invocation.</summary>
    public static string Current => Ambient.Value ?? "anonymous";

    /// <summary>Sets the principal for the rest of the calling async flow (a caller's own flow is restored when its async method returns).</summary>
    public static void Set(string principal) => Ambient.Value = principal;
}
