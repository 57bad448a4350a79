namespace AgentFunctions.Testing;

/// <summary>
/// One request seen by <see cref="StorageProxy"/>: "METHOD /table-or-path", when its first byte passed
/// (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>) and the time to the first byte of its answer.
/// </summary>
public sealed record ProxiedRequest(string Request, long Started, double Ms);
