using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Memory;

/// <summary>The retention sweep's bounds, section <c>Retention</c> (<c>Retention__BatchSize</c> as an app setting).</summary>
internal sealed class RetentionSweepOptions
{
    public const string Section = "Retention";

    /// <summary>Items (conversations or jobs) one step looks at: the bound of each batch.</summary>
    [Range(1, 100, ErrorMessage = "Retention:BatchSize must be between 1 and 100.")]
    public int BatchSize { get; set; } = 100;

    /// <summary>Steps one run takes before it stops; the cursor row carries the rest to the next run.</summary>
    [Range(1, 100_000, ErrorMessage = "Retention:MaxBatchesPerRun must be between 1 and 100000.")]
    public int MaxBatchesPerRun { get; set; } = 500;
}
