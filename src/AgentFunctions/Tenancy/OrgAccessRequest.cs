using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Tenancy;

/// <summary>What the middleware knows when it asks whether an invocation may act for an org.</summary>
internal sealed record OrgAccessRequest(
    FunctionContext Function,
    InvocationKind Kind,
    OrgId OrgId,
    Microsoft.AspNetCore.Http.HttpContext? Http);
