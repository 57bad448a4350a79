using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Storage;

/// <summary>
/// How long one storage operation (Table or Queue) may take, section <c>Storage</c>: each try ends after
/// <see cref="NetworkTimeout"/> without an answer (the SDK's default is 100 s), and is retried
/// <see cref="MaxRetries"/> times with exponential back-off from <see cref="RetryDelay"/> (at most 2 s). With the
/// defaults an operation against storage that refuses, hangs or answers 5xx gives up within about 13 s, well under
/// the function timeout; the caller then gets 503 <c>storage_unavailable</c>.
/// </summary>
internal sealed class StorageResilienceOptions
{
    public const string Section = "Storage";

    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:40", ErrorMessage = "Storage:NetworkTimeout must be between 0.5 and 100 seconds.")]
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(4);

    [Range(0, 5, ErrorMessage = "Storage:MaxRetries must be between 0 and 5.")]
    public int MaxRetries { get; set; } = 2;

    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Storage:RetryDelay must be between 0 and 10 seconds.")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Applies these values to a storage client's options.</summary>
    public T Apply<T>(T options)
        where T : Azure.Core.ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.NetworkTimeout = NetworkTimeout;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.Mode = Azure.Core.RetryMode.Exponential;
        return options;
    }
}
