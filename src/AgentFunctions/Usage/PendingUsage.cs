using AgentFunctions.Agents;

namespace AgentFunctions.Usage;

/// <summary>
/// Usage not yet written: one admitted request of minute <paramref name="Window"/> (<paramref name="Entry"/> null), or
/// one usage entry of UTC day <paramref name="Day"/>.
/// </summary>
internal sealed record PendingUsage(string Day, string Window, UsageEntry? Entry);
