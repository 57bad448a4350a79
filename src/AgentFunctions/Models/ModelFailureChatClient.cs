using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Models;

/// <summary>Applies <see cref="ModelFailures"/> to a chat client, including failures in the middle of a stream.</summary>
internal sealed class ModelFailureChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (ModelFailures.TryTranslate(e, cancellationToken, out var translated))
        {
            throw translated;
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (ModelFailures.TryTranslate(e, cancellationToken, out var translated))
                {
                    throw translated;
                }

                yield return updates.Current;
            }
        }
    }
}
