namespace AgentFunctions.Knowledge;

/// <summary>Where the one AI Search index stands: not created yet, ready, or its last creation failed.</summary>
internal enum SearchIndexStatus
{
    Pending,
    Ready,
    Failed,
}
