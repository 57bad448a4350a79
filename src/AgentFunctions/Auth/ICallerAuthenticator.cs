using Microsoft.AspNetCore.Http;

namespace AgentFunctions.Auth;

/// <summary>Who is calling, from <c>X-Api-Key</c> or <c>Authorization: Bearer</c>.</summary>
internal interface ICallerAuthenticator
{
    /// <summary>The caller; throws 401 <c>unauthorized</c> when no credential is sent or it is not valid.</summary>
    ValueTask<Caller> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken);
}
