using Microsoft.Extensions.Hosting;
using Polly;
using Polly.Retry;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Creates the AI Search index in the background after start, retrying with exponential backoff (Polly) until it
/// exists, so the first knowledge request usually finds it ready. Start-up never waits for it or fails because of it.
/// </summary>
internal sealed class AzureSearchIndexWarmUp(AzureSearchIndex index) : BackgroundService
{
    /// <summary>First retry delay; doubles (with jitter) up to <see cref="MaxDelay"/>.</summary>
    internal TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(5);

    internal static TimeSpan MaxDelay { get; } = TimeSpan.FromMinutes(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Anything but shutdown: a background failure must never stop the host.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = MaxDelay,
            })
            .Build()
            .ExecuteAsync(async token => await index.EnsureAsync(token).ConfigureAwait(false), stoppingToken)
            .AsTask();
}
