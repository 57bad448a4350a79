namespace AgentFunctions.Tenancy;

/// <summary>
/// One bounded step of a retention sweep over one org's store: how many items it deleted and where the next step
/// starts (an opaque position of that store), or null when the org has nothing more past its retention.
/// </summary>
internal sealed record SweepStep(int Deleted, string? Next);
