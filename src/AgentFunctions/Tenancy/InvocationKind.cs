namespace AgentFunctions.Tenancy;

/// <summary>How an invocation arrived; decides where the org and the caller's credentials come from.</summary>
internal enum InvocationKind
{
    Http,
    Queue,
}
