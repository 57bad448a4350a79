namespace AgentFunctions.Memory;

/// <summary>Which phase of an org the sweep is in.</summary>
internal enum SweepPhase
{
    Conversations,
    Jobs,

    /// <summary>The org is finished: a resumed run starts with the next org.</summary>
    Done,
}
