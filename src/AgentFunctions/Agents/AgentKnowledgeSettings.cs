using System.Text.Json.Serialization;

namespace AgentFunctions.Agents;

/// <summary>Automatic retrieval of the org's knowledge for each run: the top <see cref="RetrievalTop"/> chunks (0 = off).</summary>
internal sealed record AgentKnowledgeSettings([property: JsonPropertyName("retrievalTop")] int RetrievalTop);
