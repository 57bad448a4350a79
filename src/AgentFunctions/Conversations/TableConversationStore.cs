using System.Globalization;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Conversations;

/// <summary>
/// Conversation memory on Table Storage (key scheme: <see cref="ConversationKeys"/>). Every query is
/// <c>PartitionKey eq {org}</c> plus a RowKey range, built with <see cref="TableClient.CreateQueryFilter(FormattableString)"/>.
/// A turn is one transaction: head row under If-Match (or added if new) + user row + assistant row
/// (+ turn marker) + listing index move; a conflict re-reads the head and tries again.
/// </summary>
internal sealed partial class TableConversationStore(TableProvider tables, TimeProvider time, IOrgRetentionPolicy retention, ILogger<TableConversationStore> logger)
    : IConversationStore, IOrgDataOwner
{
    /// <summary>Offboarding removes every conversation row of the org (resumable).</summary>
    public string Area => "conversations";

    /// <summary>Largest page (count) of <see cref="ListAsync"/> and <see cref="GetMessagesAsync"/>.</summary>
    public const int MaxPageSize = 100;

    /// <summary>Enough for dozens of turns racing on one conversation (each conflict means another turn landed).</summary>
    internal const int MaxAppendAttempts = 64;

    private const int MaxBatch = 100;
    private const string MessageCount = ConversationColumns.MessageCount;
    private const string CreatedAt = ConversationColumns.CreatedAt;
    private const string UpdatedAt = ConversationColumns.UpdatedAt;
    private const string IndexKey = ConversationColumns.IndexKey;
    private const string AgentProperty = ConversationColumns.Agent;
    private const string SummaryProperty = ConversationColumns.Summary;
    private const string SummaryCovers = ConversationColumns.SummaryCovers;
    private const string ConversationIdProperty = ConversationColumns.ConversationId;
    private const string Role = ConversationColumns.Role;
    private const string Seq = ConversationColumns.Seq;

    public async Task<ConversationHistory> LoadHistoryAsync(OrgId orgId, string conversationId, ContextWindow window, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(conversationId, "conversationId");
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfNegative(window.MaxMessages);
        ArgumentOutOfRangeException.ThrowIfNegative(window.MaxCharacters);
        ArgumentOutOfRangeException.ThrowIfNegative(window.Backlog);

        var (head, newestFirst, backlog) = await ReadHeadAndMessagesAsync(orgId, conversationId, window, cancellationToken).ConfigureAwait(false);
        if (head is not null && await IsExpiredAsync(orgId, head, cancellationToken).ConfigureAwait(false))
        {
            throw ApiException.NotFound("The conversation");
        }

        newestFirst.Reverse();
        backlog.Reverse();
        return head is null
            ? new ConversationHistory(false, [], ConversationVersion.New(conversationId))
            : new ConversationHistory(true, newestFirst, ToVersion(conversationId, head)) { Backlog = backlog };
    }

    public async Task<MessagePage?> GetMessagesAsync(OrgId orgId, string conversationId, MessagePageRequest request, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(conversationId, "conversationId");
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.Limit, MaxPageSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxCharacters, 1);
        long? before = null;
        if (request.Cursor is not null)
        {
            before = long.TryParse(request.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq is > 0 and < long.MaxValue
                ? seq : throw ApiException.InvalidRequest("cursor", "is not a cursor returned by this API.");
        }

        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var headKey = ConversationKeys.Head(conversationId);
        var (from, to) = ConversationKeys.HistoryRange(conversationId);

        // The first page reads the head with the messages (one query); a later page starts below the cursor's
        // message, so the head is a point read next to it.
        var headRead = before is null ? null : table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, headKey, select: ["PartitionKey", UpdatedAt], cancellationToken: cancellationToken);
        var filter = before is { } older
            ? TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {ConversationKeys.Message(conversationId, older)} and RowKey lt {to}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey lt {to}");
        TableEntity? head = null;
        var newestFirst = new List<ConversationMessage>(request.Limit);
        long characters = 0;
        long oldestSeq = 0;
        var more = false;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: request.Limit + 2, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == headKey)
            {
                head = row;
                continue;
            }

            if (before is null && head is null)
            {
                break; // messages without a head: an interrupted delete, not a conversation
            }

            var message = ToMessage(row);
            if (newestFirst.Count == request.Limit || (newestFirst.Count > 0 && characters + message.Content.Length > request.MaxCharacters))
            {
                more = true;
                break;
            }

            newestFirst.Add(message);
            characters += message.Content.Length;
            oldestSeq = ConversationKeys.SeqOf(conversationId, row.RowKey);
        }

        if (headRead is not null)
        {
            var read = await headRead.ConfigureAwait(false);
            head = read.HasValue ? read.Value : null;
        }

        if (head is null || await IsExpiredAsync(orgId, head, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        newestFirst.Reverse();
        return new MessagePage(newestFirst, more ? oldestSeq.ToString(CultureInfo.InvariantCulture) : null);
    }

    public async Task<bool> AppendTurnAsync(OrgId orgId, string conversationId, ConversationTurn turn, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(conversationId, "conversationId");
        ArgumentNullException.ThrowIfNull(turn);
        if (turn.TurnId is not null)
        {
            Identifiers.EnsureResourceId(turn.TurnId, "turnId");
        }

        // Everything that can be refused is refused here, before the first request.
        var userParts = MessageContent.Split(turn.User.Content, "user");
        var assistantParts = MessageContent.Split(turn.Assistant.Content, "assistant");

        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var version = turn.BasedOn is { } based && based.ConversationId == conversationId
            ? based
            : await ReadVersionAsync(table, orgId, conversationId, cancellationToken).ConfigureAwait(false);

        for (var attempt = 1; ; attempt++)
        {
            var actions = BuildTurn(orgId, conversationId, turn, userParts, assistantParts, version);
            try
            {
                await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TableTransactionFailedException failed) when (failed.Status is 404 or 409 or 412)
            {
                if (turn.TurnId is not null && await ExistsAsync(table, orgId, ConversationKeys.TurnMarker(conversationId, turn.TurnId), cancellationToken).ConfigureAwait(false))
                {
                    LogDuplicateTurn(logger, orgId.Value, conversationId);
                    return false;
                }

                if (attempt >= MaxAppendAttempts)
                {
                    LogAppendGaveUp(logger, orgId.Value, conversationId, attempt);
                    throw ApiException.Conflict("The conversation is being changed by other requests; try again.");
                }

                LogAppendConflict(logger, orgId.Value, conversationId, attempt, failed.Status);
                await Task.Delay(Backoff(attempt), time, cancellationToken).ConfigureAwait(false);
                version = await ReadVersionAsync(table, orgId, conversationId, cancellationToken).ConfigureAwait(false);
                EnsureSameAgent(conversationId, turn, version);
                version = await WithExistingIndexAsync(table, orgId, version, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A conversation stays with the agent of its first turn. The run's window read refuses another agent before the model
    /// call; this refuses it when the conversation was started, with another agent, after that read (a turn that raced it,
    /// or a job's first turn, which reads no window). A head without a recorded agent (stored before agents were) is not
    /// checked here.
    /// </summary>
    private static void EnsureSameAgent(string conversationId, ConversationTurn turn, ConversationVersion version)
    {
        if (version.ETag is not null && turn.Agent is { } agent && version.Agent is { } started && started != agent)
        {
            throw ApiException.Conflict($"Conversation '{conversationId}' was started with agent '{started}'; it cannot be continued with agent '{agent}'.");
        }
    }

    public async Task<ConversationTurn?> FindTurnAsync(OrgId orgId, string conversationId, string turnId, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(conversationId, "conversationId");
        if (!Identifiers.IsResourceId(turnId))
        {
            return null;
        }

        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var marker = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, ConversationKeys.TurnMarker(conversationId, turnId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!marker.HasValue || marker.Value?.GetInt64(Seq) is not { } seq)
        {
            return null;
        }

        // The assistant row (seq + 1) sorts directly before the user row (seq).
        var from = ConversationKeys.Message(conversationId, seq + 1);
        var to = ConversationKeys.Message(conversationId, seq);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey le {to}");
        var rows = new List<ConversationMessage>(2);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 2, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ToMessage(row));
        }

        return rows is [{ Role: MessageRole.Assistant } assistant, { Role: MessageRole.User } user]
            ? new ConversationTurn(turnId, user, assistant)
            : null;
    }

    public async Task<ConversationPage> ListAsync(OrgId orgId, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        var (from, to) = ConversationKeys.IndexRange;
        string filter;
        if (cursor is null)
        {
            filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey lt {to}");
        }
        else if (ConversationKeys.TryDecodeCursor(cursor, out var after))
        {
            filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {after} and RowKey lt {to}");
        }
        else
        {
            throw ApiException.InvalidRequest("cursor", "is not a cursor returned by this API.");
        }

        var keep = (await retention.GetAsync(orgId, cancellationToken).ConfigureAwait(false)).Conversations;
        var now = time.GetUtcNow();
        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var items = new List<ConversationSummary>(limit);
        string? last = null;
        var more = false;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == limit)
            {
                more = true;
                break;
            }

            var updatedAt = row.GetDateTimeOffset(UpdatedAt) ?? default;
            if (OrgRetention.IsExpired(keep, updatedAt, now))
            {
                // Newest first: every later row is idle longer, so expired too.
                break;
            }

            items.Add(new ConversationSummary(
                row.GetString(ConversationIdProperty) ?? string.Empty,
                row.GetInt64(MessageCount) ?? 0,
                row.GetDateTimeOffset(CreatedAt) ?? default,
                updatedAt));
            last = row.RowKey;
        }

        return new ConversationPage(items, more && last is not null ? ConversationKeys.EncodeCursor(last) : null);
    }

    public Task<bool> DeleteAsync(OrgId orgId, string conversationId, CancellationToken cancellationToken)
    {
        Identifiers.EnsureResourceId(conversationId, "conversationId");
        return DeleteCoreAsync(orgId, conversationId, idleSince: null, cancellationToken);
    }

    /// <summary>
    /// One step of the retention sweep: at most <paramref name="max"/> conversations of the org idle since
    /// <paramref name="idleSince"/> or longer, longest idle first, read from the listing index after
    /// <paramref name="after"/> (a previous step's <see cref="SweepStep.Next"/>). Each is deleted only if its head
    /// still says so (under If-Match), so a conversation that took a turn meanwhile stays.
    /// </summary>
    public async Task<SweepStep> DeleteIdleAsync(OrgId orgId, DateTimeOffset idleSince, string? after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var (_, to) = ConversationKeys.IndexRange;
        var from = ConversationKeys.Index(idleSince, string.Empty);
        var filter = after is not null && string.CompareOrdinal(after, from) >= 0 && string.CompareOrdinal(after, to) < 0
            ? TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {after} and RowKey lt {to}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey lt {to}");
        var candidates = new List<(string IndexKey, string ConversationId)>(max);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: max, select: ["RowKey", ConversationIdProperty], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            candidates.Add((row.RowKey, row.GetString(ConversationIdProperty) ?? string.Empty));
            if (candidates.Count == max)
            {
                break;
            }
        }

        var deleted = 0;
        foreach (var (indexKey, conversationId) in candidates)
        {
            if (Identifiers.IsResourceId(conversationId) && await DeleteCoreAsync(orgId, conversationId, idleSince, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return new SweepStep(deleted, candidates.Count == max ? candidates[^1].IndexKey : null);
    }

    /// <summary>Deletes the conversation (if <paramref name="idleSince"/> is set: only while it has been idle since then); false when it stays or did not exist.</summary>
    private async Task<bool> DeleteCoreAsync(OrgId orgId, string conversationId, DateTimeOffset? idleSince, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var version = await ReadVersionAsync(table, orgId, conversationId, cancellationToken).ConfigureAwait(false);
            if (attempt > 1)
            {
                version = await WithExistingIndexAsync(table, orgId, version, cancellationToken).ConfigureAwait(false);
            }

            if (version.ETag is not { } etag || (idleSince is { } since && version.UpdatedAt > since))
            {
                return false;
            }

            // Messages and markers first, the head last: a row never outlives its head, so an
            // interrupted delete is finished by deleting again, and a new conversation under the same
            // id never meets old rows.
            var (from, to) = ConversationKeys.ConversationRange(conversationId);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {from} and RowKey lt {to}");
            var rows = await table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken)
                .Select(row => row.RowKey).ToListAsync(cancellationToken).ConfigureAwait(false);
            var last = new List<TableTransactionAction>(2)
            {
                new(TableTransactionActionType.Delete, new TableEntity(orgId.Value, ConversationKeys.Head(conversationId)), etag),
            };
            if (version.IndexKey is { } indexKey)
            {
                last.Add(new(TableTransactionActionType.Delete, new TableEntity(orgId.Value, indexKey), ETag.All));
            }

            try
            {
                await DeleteRowsAsync(table, orgId, rows, cancellationToken).ConfigureAwait(false);
                await table.SubmitTransactionAsync(last, cancellationToken).ConfigureAwait(false);
                LogDeleted(logger, orgId.Value, conversationId, rows.Count);
                return true;
            }
            catch (TableTransactionFailedException failed) when (failed.Status is 404 or 412 && attempt < MaxAppendAttempts)
            {
                // A turn landed or another delete ran meanwhile: look again.
                LogDeleteConflict(logger, orgId.Value, conversationId, attempt);
            }
        }
    }

    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        var total = 0;
        while (true)
        {
            // Heads go last (see DeleteAsync); a batch that fails because a row vanished meanwhile is
            // simply picked up by the next pass.
            var heads = new List<string>();
            var others = new List<string>(MaxBatch);
            var seen = 0;
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                seen++;
                if (ConversationKeys.IsHead(row.RowKey))
                {
                    heads.Add(row.RowKey);
                    continue;
                }

                others.Add(row.RowKey);
                if (others.Count == MaxBatch)
                {
                    await TryDeleteRowsAsync(table, orgId, others, cancellationToken).ConfigureAwait(false);
                    others.Clear();
                }
            }

            if (seen == 0)
            {
                LogDeletedAll(logger, orgId.Value, total);
                return;
            }

            await TryDeleteRowsAsync(table, orgId, others, cancellationToken).ConfigureAwait(false);
            await TryDeleteRowsAsync(table, orgId, heads, cancellationToken).ConfigureAwait(false);
            total += seen;
        }
    }

    /// <summary>Idle past the org's conversation retention: treated as gone (404) until the sweep deletes it.</summary>
    private async Task<bool> IsExpiredAsync(OrgId orgId, TableEntity head, CancellationToken cancellationToken) =>
        OrgRetention.IsExpired(
            (await retention.GetAsync(orgId, cancellationToken).ConfigureAwait(false)).Conversations,
            head.GetDateTimeOffset(UpdatedAt) ?? default,
            time.GetUtcNow());

    /// <summary>
    /// One bounded range query: the head row (it sorts first) and then at most <paramref name="window"/>'s MaxMessages
    /// newest messages, stopping at the character budget (newest kept); with a backlog, the query goes on below the
    /// window for at most Backlog messages (within the same character budget) the head's running summary does not cover.
    /// </summary>
    private async Task<(TableEntity? Head, List<ConversationMessage> NewestFirst, List<ConversationMessage> Backlog)> ReadHeadAndMessagesAsync(
        OrgId orgId, string conversationId, ContextWindow window, CancellationToken cancellationToken)
    {
        var (maxMessages, maxCharacters, maxBacklog) = window;
        var table = await tables.GetAsync(ConversationKeys.TableName, cancellationToken).ConfigureAwait(false);
        var (from, to) = ConversationKeys.HistoryRange(conversationId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {from} and RowKey lt {to}");
        var headKey = ConversationKeys.Head(conversationId);
        TableEntity? head = null;
        var messages = new List<ConversationMessage>(Math.Min(maxMessages, MaxPageSize));
        var backlog = new List<ConversationMessage>();
        long characters = 0;
        long backlogCharacters = 0;
        long covered = 0;
        var inWindow = maxMessages > 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(maxMessages + maxBacklog + 1, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == headKey)
            {
                head = row;
                covered = head.GetInt64(SummaryCovers) ?? 0;
                if (!inWindow && maxBacklog == 0)
                {
                    break;
                }

                continue;
            }

            if (head is null)
            {
                break; // messages without a head: an interrupted delete, not a conversation
            }

            var message = ToMessage(row);
            if (inWindow)
            {
                characters += message.Content.Length;
                if (characters <= maxCharacters)
                {
                    messages.Add(message);
                    inWindow = messages.Count < maxMessages;
                    if (!inWindow && (maxBacklog == 0 || ConversationKeys.SeqOf(conversationId, row.RowKey) <= covered))
                    {
                        break;
                    }

                    continue;
                }

                inWindow = false;
            }

            // Below the window: what the summary does not cover yet, within the backlog's bounds.
            backlogCharacters += message.Content.Length;
            if (backlog.Count == maxBacklog || ConversationKeys.SeqOf(conversationId, row.RowKey) < covered || backlogCharacters > maxCharacters)
            {
                break;
            }

            backlog.Add(message);
        }

        return (head, messages, backlog);
    }

    private List<TableTransactionAction> BuildTurn(
        OrgId orgId, string conversationId, ConversationTurn turn, List<string> userParts, List<string> assistantParts, ConversationVersion version)
    {
        var now = time.GetUtcNow();
        var updatedAt = now > version.UpdatedAt ? now : version.UpdatedAt.AddTicks(1);
        var createdAt = version.ETag is null ? updatedAt : version.CreatedAt;
        var seq = version.MessageCount;
        var count = seq + 2;
        var indexKey = ConversationKeys.Index(updatedAt, conversationId);

        var head = new TableEntity(orgId.Value, ConversationKeys.Head(conversationId))
        {
            [MessageCount] = count,
            [CreatedAt] = createdAt,
            [UpdatedAt] = updatedAt,
            [IndexKey] = indexKey,
        };
        if ((version.ETag is null ? turn.Agent : version.Agent) is { } agent)
        {
            head[AgentProperty] = agent; // set by the first turn, kept by every later one
        }

        // The turn's new summary unless the head already has one covering as much (a raced turn stored it); else the head's is kept.
        if ((turn.Summary is { } fresh && fresh.Covers > (version.Summary?.Covers ?? 0) ? fresh : version.Summary) is { } summary)
        {
            head[SummaryProperty] = summary.StoredText;
            head[SummaryCovers] = summary.Covers;
        }

        var actions = new List<TableTransactionAction>(6)
        {
            version.ETag is { } etag
                ? new(TableTransactionActionType.UpdateReplace, head, etag)
                : new(TableTransactionActionType.Add, head),
            new(TableTransactionActionType.Add, MessageRow(orgId, conversationId, seq, turn.User, userParts)),
            new(TableTransactionActionType.Add, MessageRow(orgId, conversationId, seq + 1, turn.Assistant, assistantParts)),
        };
        if (turn.TurnId is not null)
        {
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(orgId.Value, ConversationKeys.TurnMarker(conversationId, turn.TurnId)) { [Seq] = seq }));
        }

        var index = new TableEntity(orgId.Value, indexKey)
        {
            [ConversationIdProperty] = conversationId,
            [MessageCount] = count,
            [CreatedAt] = createdAt,
            [UpdatedAt] = updatedAt,
        };
        if (version.IndexKey is { } oldIndex && oldIndex != indexKey)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(orgId.Value, oldIndex), ETag.All));
        }

        actions.Add(new(TableTransactionActionType.UpsertReplace, index));
        return actions;
    }

    internal static TableEntity MessageRow(OrgId orgId, string conversationId, long seq, ConversationMessage message, List<string> parts)
    {
        var row = new TableEntity(orgId.Value, ConversationKeys.Message(conversationId, seq))
        {
            [Role] = message.Role == MessageRole.User ? "user" : "assistant",
            [CreatedAt] = message.CreatedAt,
        };
        MessageContent.Write(row, parts);
        return row;
    }

    private static ConversationMessage ToMessage(TableEntity row) =>
        new(row.GetString(Role) == "user" ? MessageRole.User : MessageRole.Assistant,
            MessageContent.Read(row),
            row.GetDateTimeOffset(CreatedAt) ?? default);

    private static ConversationVersion ToVersion(string conversationId, TableEntity head) =>
        new(conversationId, head.ETag, head.GetInt64(MessageCount) ?? 0, head.GetDateTimeOffset(CreatedAt) ?? default,
            head.GetDateTimeOffset(UpdatedAt) ?? default, head.GetString(IndexKey))
        {
            Agent = head.GetString(AgentProperty),
            Summary = head.GetString(SummaryProperty) is { } summary && head.GetInt64(SummaryCovers) is { } covers ? new RunningSummary(summary, covers) : null,
        };

    private static async Task<ConversationVersion> ReadVersionAsync(TableClient table, OrgId orgId, string conversationId, CancellationToken cancellationToken)
    {
        var head = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, ConversationKeys.Head(conversationId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return head is { HasValue: true, Value: { } row } ? ToVersion(conversationId, row) : ConversationVersion.New(conversationId);
    }

    /// <summary>
    /// A head whose index row is gone (only after an interrupted offboarding) would fail every
    /// transaction that deletes that row; checked only after a failure, so the hot path pays nothing.
    /// </summary>
    private static async Task<ConversationVersion> WithExistingIndexAsync(TableClient table, OrgId orgId, ConversationVersion version, CancellationToken cancellationToken) =>
        version.IndexKey is { } indexKey && !await ExistsAsync(table, orgId, indexKey, cancellationToken).ConfigureAwait(false)
            ? new ConversationVersion(version.ConversationId, version.ETag, version.MessageCount, version.CreatedAt, version.UpdatedAt, null) { Agent = version.Agent, Summary = version.Summary }
            : version;

    private static async Task<bool> ExistsAsync(TableClient table, OrgId orgId, string rowKey, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, rowKey, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }

    private static async Task DeleteRowsAsync(TableClient table, OrgId orgId, List<string> rowKeys, CancellationToken cancellationToken)
    {
        foreach (var chunk in rowKeys.Chunk(MaxBatch))
        {
            var actions = chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(orgId.Value, key), ETag.All));
            await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task TryDeleteRowsAsync(TableClient table, OrgId orgId, List<string> rowKeys, CancellationToken cancellationToken)
    {
        try
        {
            await DeleteRowsAsync(table, orgId, rowKeys, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException failed) when (failed.Status == 404)
        {
            LogDeleteRaced(logger, orgId.Value);
        }
    }

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + (5 * Math.Min(attempt, 20))));

    [LoggerMessage(EventId = 1800, Level = LogLevel.Debug, Message = "Turn in conversation {ConversationId} of org {OrgId} conflicted (attempt {Attempt}, status {Status}); retrying")]
    private static partial void LogAppendConflict(ILogger logger, string orgId, string conversationId, int attempt, int status);

    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "Turn in conversation {ConversationId} of org {OrgId} gave up after {Attempt} conflicting attempts")]
    private static partial void LogAppendGaveUp(ILogger logger, string orgId, string conversationId, int attempt);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Information, Message = "Turn in conversation {ConversationId} of org {OrgId} was already stored; nothing written")]
    private static partial void LogDuplicateTurn(ILogger logger, string orgId, string conversationId);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Information, Message = "Deleted conversation {ConversationId} of org {OrgId} ({Rows} rows besides the head)")]
    private static partial void LogDeleted(ILogger logger, string orgId, string conversationId, int rows);

    [LoggerMessage(EventId = 1804, Level = LogLevel.Debug, Message = "Delete of conversation {ConversationId} of org {OrgId} raced a turn (attempt {Attempt}); retrying")]
    private static partial void LogDeleteConflict(ILogger logger, string orgId, string conversationId, int attempt);

    [LoggerMessage(EventId = 1805, Level = LogLevel.Debug, Message = "A delete batch of org {OrgId} raced another delete; the next pass finishes it")]
    private static partial void LogDeleteRaced(ILogger logger, string orgId);

    [LoggerMessage(EventId = 1806, Level = LogLevel.Information, Message = "Deleted all conversations of org {OrgId} ({Rows} rows)")]
    private static partial void LogDeletedAll(ILogger logger, string orgId, int rows);
}
