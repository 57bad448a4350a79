using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAi;

/// <summary>
/// A stored response: the response object as returned (JSON), the conversation its chain continues, and — when it
/// ended with calls of client tools — the messages since the last stored turn (the user's input, the calls), which
/// the next response in the chain continues from once the client sends the calls' outputs.
/// </summary>
internal sealed record StoredResponse(string Id, string? ConversationId, string ResponseJson, IReadOnlyList<ChatMessage>? Pending);
