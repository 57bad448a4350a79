namespace AgentFunctions.Tenancy;

/// <summary>How long an org keeps idle conversations and finished jobs; null keeps them.</summary>
internal sealed record OrgRetention(TimeSpan? Conversations, TimeSpan? Jobs)
{
    public static readonly OrgRetention KeepAll = new(null, null);

    /// <summary>Whether something last changed at <paramref name="lastChanged"/> is past <paramref name="period"/> at <paramref name="now"/>.</summary>
    public static bool IsExpired(TimeSpan? period, DateTimeOffset lastChanged, DateTimeOffset now) =>
        period is { } keep && lastChanged + keep <= now;
}
