using AgentFunctions.Agents;
using Azure.Data.Tables;

namespace AgentFunctions.Usage;

/// <summary>
/// A write held for the org's next usage transaction: one admitted request of minute <paramref name="Window"/>, one usage
/// entry of UTC day <paramref name="Day"/> (<paramref name="Entry"/>), or one access row of the audit trail
/// (<paramref name="AccessRow"/>, see <see cref="TableUsageStore.HoldAccessRowAsync"/>).
/// </summary>
internal sealed record PendingUsage(string Day, string Window, UsageEntry? Entry, TableEntity? AccessRow = null)
{
    /// <summary>An admitted request (what the per-minute limit counts).</summary>
    public bool IsAdmission => Entry is null && AccessRow is null;
}
