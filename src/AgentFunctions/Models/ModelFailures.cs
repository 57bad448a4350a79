using System.ClientModel;
using AgentFunctions.Errors;
using Azure.Identity;
using Polly.Timeout;

namespace AgentFunctions.Models;

/// <summary>
/// Turns what the model client throws once its retries are spent into 502/503 <c>model_unavailable</c>:
/// 429, timeouts, connection failures and credential failures are 503 (try again later); anything else
/// the endpoint answered with (5xx, a refused request) is 502. A cancellation by the caller stays a cancellation.
/// </summary>
internal static class ModelFailures
{
    public static bool TryTranslate(Exception exception, CancellationToken callerToken, out ApiException translated)
    {
        translated = exception switch
        {
            ApiException => null!,
            OperationCanceledException when callerToken.IsCancellationRequested => null!,
            ClientResultException { Status: 429 } => ApiException.ModelUnavailable(503, "The model endpoint is rate limiting requests (429) and retries were spent; try again later."),
            ClientResultException { Status: 0 } => ApiException.ModelUnavailable(503, "The model endpoint could not be reached."),
            ClientResultException { Status: 401 or 403 } e => ApiException.ModelUnavailable(502, $"The model endpoint refused the app's credential ({e.Status})."),
            ClientResultException e => ApiException.ModelUnavailable(502, $"The model endpoint failed ({e.Status}) and retries were spent."),
            TimeoutRejectedException or TimeoutException or OperationCanceledException => ApiException.ModelUnavailable(503, "The model endpoint did not answer in time."),
            HttpRequestException or IOException => ApiException.ModelUnavailable(503, "The model endpoint could not be reached."),
            AuthenticationFailedException or CredentialUnavailableException => ApiException.ModelUnavailable(503, "No credential for the model endpoint could be obtained."),
            _ => null!,
        };
        return translated is not null;
    }
}
