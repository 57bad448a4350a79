namespace AgentFunctions.Middleware;

/// <summary>What the middleware needs to know about a function, read once from its method.</summary>
internal sealed record FunctionTraits(bool RequiresOrg, string? QueueName, bool AdminOnly = false);
