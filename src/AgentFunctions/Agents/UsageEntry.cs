using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// One usage write: the tokens by kind (chat input, chat output, embedding), the agent and the principal
/// they are attributed to, and whether it was one agent run.
/// </summary>
internal sealed record UsageEntry(string Agent, string Principal, long ChatInputTokens, long ChatOutputTokens, long EmbeddingTokens, int Runs)
{
    /// <summary>The agent name of work done outside any agent (document uploads, <c>/api/search</c>).</summary>
    public const string NoAgent = "-";

    /// <summary>One agent run's chat tokens, for the current caller.</summary>
    public static UsageEntry Chat(string agent, AgentUsage usage) =>
        new(agent, CallerPrincipal.Current, usage.InputTokens, usage.OutputTokens, 0, 1);

    /// <summary>A running summary's chat tokens (compaction), for the current caller: not a run of its own.</summary>
    public static UsageEntry Summary(string agent, AgentUsage usage) =>
        new(agent, CallerPrincipal.Current, usage.InputTokens, usage.OutputTokens, 0, 0);

    /// <summary>Embedding tokens spent for the current caller.</summary>
    public static UsageEntry Embedding(long tokens) =>
        new(NoAgent, CallerPrincipal.Current, 0, 0, tokens, 0);
}
