namespace AgentFunctions.Jobs;

/// <summary>What a queue delivery should do with the job it names.</summary>
internal enum ClaimDecision
{
    /// <summary>Take the job (queued, or running under a claim that is provably dead or expired).</summary>
    Claim,

    /// <summary>
    /// This very delivery's claim is already stored: its write reached storage but the answer was lost, and the client's
    /// retry then met the row it had itself changed. The delivery goes on with the stored claim.
    /// </summary>
    OwnClaim,

    /// <summary>The job is finished: a redelivered or duplicated message does nothing.</summary>
    AlreadyFinished,

    /// <summary>Another live delivery runs it; that delivery's message guarantees it ends (or is poisoned and failed).</summary>
    HeldByOther,
}
