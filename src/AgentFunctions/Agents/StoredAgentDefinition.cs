namespace AgentFunctions.Agents;

/// <summary>A definition with its concurrency token (which changes with every write: it is also the definition's version).</summary>
internal sealed record StoredAgentDefinition(AgentDefinition Definition, string? ETag, DateTimeOffset? UpdatedAt)
{
    /// <summary>False for the <c>default</c> agent that has not been stored (the org's own settings).</summary>
    public bool Stored => ETag is not null;
}
