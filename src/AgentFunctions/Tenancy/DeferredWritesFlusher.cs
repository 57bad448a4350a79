using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tenancy;

/// <summary>
/// Writes again, every few seconds, what an invocation could not write when it ended (storage failing then), and writes
/// everything still held when the worker stops, so held writes are retried until stored, never dropped.
/// </summary>
internal sealed partial class DeferredWritesFlusher(IEnumerable<IDeferredWrites> areas, TimeProvider time, ILogger<DeferredWritesFlusher> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAllAsync(failedOnly: false, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await FlushAllAsync(failedOnly: true, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task FlushAllAsync(bool failedOnly, CancellationToken cancellationToken)
    {
        foreach (var area in areas)
        {
            try
            {
                await area.FlushAllAsync(failedOnly, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogFlushFailed(logger, e, area.GetType().Name);
            }
        }
    }

    [LoggerMessage(EventId = 1054, Level = LogLevel.Error, Message = "Held writes of {Area} could not be written yet; they stay held and are retried")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string area);
}
