using System.Net.Sockets;
using AgentFunctions.Errors;
using Azure;

namespace AgentFunctions.Storage;

/// <summary>
/// Tells "storage is unavailable" apart from everything else a storage call can throw, once the client's own
/// retries (<see cref="StorageResilienceOptions"/>) are spent: a connection refused or reset (status 0), a try
/// that timed out (the SDK's network timeout, a cancellation the caller did not ask for), a 5xx answer, or the
/// SDK's "Retry failed" aggregate of those (and a socket error the SDK let through unwrapped). A refusal the service meant (404, 409, 412, ...) is not an outage.
/// </summary>
internal static class StorageFailures
{
    /// <summary>
    /// A failure as the API reports it, the same on every path (a JSON answer, an event stream's error event, the OpenAI
    /// envelope): storage unavailable is <see cref="ApiException.StorageUnavailable"/> (503 <c>storage_unavailable</c>);
    /// an <see cref="ApiException"/> wrapped once (or alone in an aggregate) is that refusal; anything else stays as it is
    /// (an internal error).
    /// </summary>
    public static Exception AsApiError(Exception exception, CancellationToken callerToken) =>
        IsUnavailable(exception, callerToken) ? ApiException.StorageUnavailable() : Unwrap(exception);

    public static bool IsUnavailable(Exception exception, CancellationToken callerToken) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsUnavailable(e, callerToken)),
        RequestFailedException failed => failed.Status is 0 or >= 500,
        SocketException => !callerToken.IsCancellationRequested, // a reset connection can escape the SDK unwrapped
        OperationCanceledException => !callerToken.IsCancellationRequested && IsFromStorageClient(exception),
        _ => false,
    };

    /// <summary>The Azure SDK's own network timeout (thrown by Azure.Core, not by a caller's token).</summary>
    private static bool IsFromStorageClient(Exception exception) =>
        string.Equals(exception.Source, "Azure.Core", StringComparison.Ordinal)
        || exception.InnerException is RequestFailedException or TimeoutException;

    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0])
        : exception.InnerException is ApiException inner && exception is not ApiException ? inner
        : exception;
}
