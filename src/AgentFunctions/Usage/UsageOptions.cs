using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Usage;

/// <summary>Usage counters and their write-behind (<c>Usage__*</c>).</summary>
internal sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>
    /// How old another instance's counters may be when a quota (<c>requestsPerMinute</c>, <c>tokensPerDay</c>) is checked:
    /// older than this, the org's counter rows are read again (one query). This instance's own counts are always exact.
    /// </summary>
    [Range(0, 60_000, ErrorMessage = "Usage__SyncMilliseconds must be between 0 and 60000.")]
    public int SyncMilliseconds { get; set; } = 2000;

    /// <summary>
    /// Held writes (usage entries, admitted requests, access rows) one instance may hold not yet written (storage failing); beyond it, requests of the orgs holding
    /// them are refused with 503 <c>storage_unavailable</c> until they are written. Nothing is dropped.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Usage__MaxPendingEntries must be between 1 and 1000000.")]
    public int MaxPendingEntries { get; set; } = 10_000;
}
