namespace AgentFunctions.Jobs;

/// <summary>What one queue delivery did with its job.</summary>
internal enum JobOutcome
{
    Succeeded,
    Failed,
    AlreadyFinished,
    HeldByOther,
    NotFound,

    /// <summary>The run finished but the claim had been taken over meanwhile; the newer holder's result counts.</summary>
    Superseded,
}
