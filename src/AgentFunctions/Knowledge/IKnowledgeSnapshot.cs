namespace AgentFunctions.Knowledge;

/// <summary>Something read from an org's knowledge at one version, held by <see cref="KnowledgeCache{T}"/>.</summary>
internal interface IKnowledgeSnapshot
{
    /// <summary>The org's knowledge version it was read at.</summary>
    string Version { get; }

    /// <summary>An estimate of the memory it holds.</summary>
    long Bytes { get; }
}
