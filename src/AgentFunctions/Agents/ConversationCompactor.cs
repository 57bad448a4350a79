using AgentFunctions.Conversations;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>
/// Compaction past the window (an agent with <c>"compaction": true</c>): when a turn pushes messages out of the history
/// window, they (and what a failed earlier summary left, the window load's backlog) are folded with the previous running
/// summary into a new one by one model call through Microsoft.Extensions.AI's <see cref="SummarizingChatReducer"/>, with
/// at most <c>Agent__SummaryMaxOutputTokens</c> output tokens, metered for the agent like any chat call. The summary is
/// stored with the turn (<see cref="ConversationTurn.Summary"/>); a failed call is logged and leaves the summary as it was,
/// so a later turn folds what is still uncovered.
/// </summary>
internal sealed partial class ConversationCompactor(IUsageMeter usageMeter, IOptions<AgentOptions> options, ILogger<ConversationCompactor> logger)
{
    /// <summary>What the model reads ahead of the window.</summary>
    public const string SummaryPrefix = "Summary of the earlier conversation: ";

    /// <summary>Marks the previous summary the way <see cref="SummarizingChatReducer"/> marks its own.</summary>
    private const string SummaryKey = "__summary__";

    /// <summary>
    /// The new running summary once <paramref name="user"/> and <paramref name="assistant"/> join <paramref name="history"/>;
    /// null when nothing falls out of the window or the summary call failed (the turn goes on without it).
    /// </summary>
    public async Task<RunningSummary?> FoldAsync(
        IChatClient client, AgentTurn turn, ConversationHistory history, ConversationMessage user, ConversationMessage assistant, CancellationToken cancellationToken)
    {
        List<ConversationMessage> all = [.. history.Backlog, .. history.Messages, user, assistant];
        var kept = Kept(all, turn.Window);
        var fold = all.Count - kept;
        var covers = history.FirstSeq + fold;
        if (fold == 0 || covers <= (history.Summary?.Covers ?? 0))
        {
            return null;
        }

        var messages = new List<ChatMessage>(fold + 2);
        if (history.Summary is { } previous)
        {
            messages.Add(new ChatMessage(ChatRole.Assistant, previous.Text) { AdditionalProperties = new() { [SummaryKey] = previous.Text } });
        }

        messages.AddRange(all.Take(fold).Select(m => new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content)));

        // The reducer keeps its target count of newest messages out of the summary: this one stands for the window.
        var window = new ChatMessage(ChatRole.User, string.Empty);
        messages.Add(window);

        UsageDetails? reported = null;
        IReadOnlyList<ChatMessage> sent = [];
        var metered = client.AsBuilder()
            .ConfigureOptions(o => o.MaxOutputTokens = options.Value.SummaryMaxOutputTokens)
            .Use(async (request, chatOptions, inner, ct) =>
            {
                sent = [.. request];
                var response = await inner.GetResponseAsync(sent, chatOptions, ct).ConfigureAwait(false);
                reported = response.Usage;
                return response;
            }, null)
            .Build();
        try
        {
#pragma warning disable MEAI001 // experimental in Microsoft.Extensions.AI 10.11: the library's summarizer, pinned by the central package version
            var reducer = new SummarizingChatReducer(metered, targetCount: 1, threshold: 0);
#pragma warning restore MEAI001
            var reduced = await reducer.ReduceAsync(messages, cancellationToken).ConfigureAwait(false);
            // What it returns: the summary, then the messages it kept (our stand-in for the window).
            var text = sent.Count == 0 ? null : reduced.LastOrDefault(m => !ReferenceEquals(m, window) && m.Role != ChatRole.System)?.Text;
            if (sent.Count > 0)
            {
                var (usage, _) = Agent.Usage(reported, sent, text ?? string.Empty);
                await usageMeter.RecordAsync(turn.OrgId, UsageEntry.Summary(turn.Agent, usage), CancellationToken.None).ConfigureAwait(false);
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                LogSummaryFailed(logger, turn.OrgId.Value, turn.ConversationId ?? "(none)", "the model returned no summary");
                return null;
            }

            LogSummarized(logger, turn.OrgId.Value, turn.ConversationId ?? "(none)", fold, covers);
            return new RunningSummary(text, covers);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogSummaryFailed(logger, turn.OrgId.Value, turn.ConversationId ?? "(none)", failure.GetType().Name);
            return null;
        }
    }

    /// <summary>The memory as the model reads it: the running summary (if any) as a system message, then the window's messages it does not cover.</summary>
    public static IEnumerable<ChatMessage> Memory(ConversationHistory history)
    {
        var skip = 0L;
        if (history.Summary is { } summary)
        {
            yield return new ChatMessage(ChatRole.System, SummaryPrefix + summary.Text);
            skip = summary.Covers - (history.FirstSeq + history.Backlog.Count);
        }

        foreach (var m in history.Messages.Skip((int)Math.Clamp(skip, 0, history.Messages.Count)))
        {
            yield return new ChatMessage(m.Role == MessageRole.User ? ChatRole.User : ChatRole.Assistant, m.Content);
        }
    }

    /// <summary>How many of the newest messages the next window holds (the store's rule: count, then characters, newest first).</summary>
    private static int Kept(List<ConversationMessage> all, ContextWindow window)
    {
        var kept = 0;
        long characters = 0;
        for (var i = all.Count - 1; i >= 0 && kept < window.MaxMessages; i--)
        {
            characters += all[i].Content.Length;
            if (characters > window.MaxCharacters)
            {
                break;
            }

            kept++;
        }

        return kept;
    }

    [LoggerMessage(EventId = 1920, Level = LogLevel.Information, Message = "Folded {Messages} messages of conversation {ConversationId} of org {OrgId} into its summary, which now covers {Covers} messages")]
    private static partial void LogSummarized(ILogger logger, string orgId, string conversationId, int messages, long covers);

    [LoggerMessage(EventId = 1921, Level = LogLevel.Warning, Message = "Summary of conversation {ConversationId} of org {OrgId} failed ({Reason}); the turn is stored without it and a later turn folds the messages again")]
    private static partial void LogSummaryFailed(ILogger logger, string orgId, string conversationId, string reason);
}
