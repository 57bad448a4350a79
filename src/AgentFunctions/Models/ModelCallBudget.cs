namespace AgentFunctions.Models;

/// <summary>
/// What the model calls of one function invocation may spend, end to end: how many times each call is retried and
/// one deadline shared by every model call of the invocation (retries and <c>Retry-After</c> waits included). The
/// middleware opens one per invocation: an HTTP request retries <see cref="ModelResilienceOptions.MaxRetries"/> times,
/// a queue delivery <see cref="ModelResilienceOptions.QueuedMaxRetries"/> times (the queue's redeliveries, with their
/// visibility back-off, carry the rest). Outside any invocation each call gets the configured values on its own.
/// </summary>
internal sealed class ModelCallBudget
{
    private static readonly AsyncLocal<ModelCallBudget?> Ambient = new();

    private ModelCallBudget(int maxRetries, DateTimeOffset deadline)
    {
        MaxRetries = maxRetries;
        Deadline = deadline;
    }

    /// <summary>Retries allowed for each model call of this invocation.</summary>
    public int MaxRetries { get; }

    /// <summary>When every model call of this invocation must have ended.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>The budget of the invocation this code runs in, if any.</summary>
    public static ModelCallBudget? Current => Ambient.Value;

    /// <summary>Opens the budget for the rest of this async flow; disposing the scope restores the previous one.</summary>
    public static IDisposable Begin(int maxRetries, TimeSpan total, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var previous = Ambient.Value;
        Ambient.Value = new ModelCallBudget(maxRetries, time.GetUtcNow() + total);
        return new Scope(previous);
    }

    /// <summary>Retries allowed for a call made now: the invocation's, else <paramref name="configured"/>.</summary>
    public static int RetriesNow(int configured) => Current?.MaxRetries ?? configured;

    /// <summary>
    /// Time left for a call made now: what remains of the invocation's deadline (at least a millisecond, so a spent
    /// budget times out at once instead of meaning "no timeout"), never more than <paramref name="configured"/>.
    /// </summary>
    public static TimeSpan RemainingNow(TimeSpan configured, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (Current is not { } budget)
        {
            return configured;
        }

        var left = budget.Deadline - time.GetUtcNow();
        return left <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : left < configured ? left : configured;
    }

    private sealed class Scope(ModelCallBudget? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
