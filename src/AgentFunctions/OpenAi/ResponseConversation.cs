using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

internal sealed record ResponseConversation([property: JsonPropertyName("id")] string Id);
