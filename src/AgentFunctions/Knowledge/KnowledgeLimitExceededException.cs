namespace AgentFunctions.Knowledge;

/// <summary>A replace would leave the org with more than <c>Knowledge__MaxChunksPerOrg</c> chunks; nothing of it was kept.</summary>
internal sealed class KnowledgeLimitExceededException(int limit, int wouldHold)
    : Exception($"The org would hold {wouldHold} knowledge chunks; Knowledge__MaxChunksPerOrg allows {limit}.")
{
    public int Limit { get; } = limit;

    public int WouldHold { get; } = wouldHold;
}
