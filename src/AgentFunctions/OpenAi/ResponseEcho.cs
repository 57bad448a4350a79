using System.Text.Json;

namespace AgentFunctions.OpenAi;

/// <summary>What the response object repeats of its request (OpenAI's response echoes its settings).</summary>
internal sealed record ResponseEcho(string? Instructions, JsonElement? Tools, JsonElement? ToolChoice, JsonElement? Text, float? Temperature, float? TopP, int? MaxOutputTokens, bool ParallelToolCalls);
