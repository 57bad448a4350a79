using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Models;

/// <summary>
/// How model calls survive transient failures (<c>Model__*</c>): retries with exponential backoff and
/// jitter on 408/429/5xx, connection failures and attempt timeouts, honouring <c>Retry-After</c>;
/// every attempt and all model calls of one invocation (retries included) are bounded (<see cref="ModelCallBudget"/>).
/// </summary>
internal sealed class ModelResilienceOptions
{
    public const string Section = "Model";

    /// <summary>Retries of a model call made while answering an HTTP request.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// Retries of a model call made inside a queue delivery (a job): few, because the queue redelivers a failed
    /// message (host.json <c>maxDequeueCount</c> 5), so a job reaches the model at most (this + 1) × 5 times.
    /// </summary>
    [Range(0, 10)]
    public int QueuedMaxRetries { get; set; }

    /// <summary>The first backoff delay; later ones double (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One attempt, until the response headers (a stream's body is not cut by it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// Every model call of one invocation together, retries and Retry-After waits included. Keep it below the host's
    /// HTTP timeout (230 s in Azure) with room for the storage calls around the run.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(180);
}
