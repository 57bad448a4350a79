namespace AgentFunctions.Knowledge;

/// <summary>Where the one AI Search index stands: not created yet, ready, or its last creation failed.</summary>
public enum SearchIndexStatus
{
    Pending,
    Ready,
    Failed,
}
