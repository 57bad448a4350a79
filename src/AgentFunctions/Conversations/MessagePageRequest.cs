namespace AgentFunctions.Conversations;

/// <summary>
/// One page of a conversation's messages: at most <paramref name="Limit"/> messages and, beyond the first, at most
/// <paramref name="MaxCharacters"/> characters of content; <paramref name="Cursor"/> (a page's <see cref="MessagePage.Cursor"/>)
/// continues with older messages.
/// </summary>
internal sealed record MessagePageRequest(int Limit, int MaxCharacters = int.MaxValue, string? Cursor = null);
