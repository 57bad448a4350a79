namespace AgentFunctions.Memory;

/// <summary>What one run of the sweep did; <see cref="Finished"/> is false when it stopped at its step bound.</summary>
internal sealed record SweepRun(int Steps, long ConversationsDeleted, long JobsDeleted, bool Finished);
