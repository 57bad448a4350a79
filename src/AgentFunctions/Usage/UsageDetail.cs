namespace AgentFunctions.Usage;

/// <summary>One day's usage of one agent and principal, as stored in a usage detail row.</summary>
internal sealed record UsageDetail(
    DateOnly Day, string Agent, string Principal, long ChatInputTokens, long ChatOutputTokens, long EmbeddingTokens, long Runs);
