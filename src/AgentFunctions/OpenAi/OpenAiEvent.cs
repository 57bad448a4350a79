namespace AgentFunctions.OpenAi;

/// <summary>One server-sent event of the OpenAI-compatible API: <c>event: {Name}</c> when named, and <c>data: {Data as JSON}</c>.</summary>
internal sealed record OpenAiEvent(string? Name, object Data);
