using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace AgentFunctions.Storage;

/// <summary>
/// Whether the storage account answers (one cheap table listing and one queue listing), remembered for
/// <see cref="ResultLifetime"/>: anonymous health probes cost at most two storage calls per instance per few seconds,
/// however many arrive, and concurrent probes share one check.
/// </summary>
internal sealed class StorageProbe(TableServiceClient tables, QueueServiceClient queues, TimeProvider time)
{
    internal static readonly TimeSpan ResultLifetime = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private Task<Exception?>? _check;
    private long _checkedAt;

    /// <summary>Null when storage answered, else the failure of the (possibly shared or recent) check.</summary>
    public Task<Exception?> CheckAsync()
    {
        lock (_gate)
        {
            if (_check is null || (_check.IsCompleted && time.GetElapsedTime(_checkedAt) >= ResultLifetime))
            {
                _checkedAt = time.GetTimestamp();
                _check = RunAsync();
            }

            return _check;
        }
    }

    private async Task<Exception?> RunAsync()
    {
        try
        {
            await Task.WhenAll(
                tables.QueryAsync(maxPerPage: 1).AsPages().FirstAsync().AsTask(),
                queues.GetQueuesAsync().AsPages(pageSizeHint: 1).FirstAsync().AsTask()).ConfigureAwait(false);
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
