using System.Text.Json;
using AgentFunctions.Agents;
using AgentFunctions.Audit;
using AgentFunctions.Conversations;
using AgentFunctions.DataStore;
using AgentFunctions.Errors;
using AgentFunctions.Jobs;
using AgentFunctions.Knowledge;
using AgentFunctions.Mcp;
using AgentFunctions.Orgs;
using AgentFunctions.Serialization;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Memory;

/// <summary>
/// Everything one org owns as NDJSON: one record a line, <c>{"type": …, "value": {…}}</c>, in this order: <c>org</c>
/// (its settings as the admin API shows them: no secrets, only the names of the settings that hold them),
/// <c>agent</c>, <c>mcpServer</c> (header values are setting names), <c>conversation</c> each followed by its
/// <c>message</c>s (newest first), <c>document</c> (metadata and chunk text), <c>dataRecord</c>, <c>job</c>,
/// <c>audit</c> (newest first). Every read is a page of the org's own partition, written and flushed before the next
/// page is read, so memory holds one page (one document's chunks), whatever the org's size. Conversations and jobs
/// past the org's retention are gone already and not exported.
/// </summary>
internal sealed partial class OrgExport(
    IOrgRegistry registry,
    AgentDefinitionStore agents,
    McpServerStore mcpServers,
    IConversationStore conversations,
    IKnowledgeStore knowledge,
    DataRecordStore data,
    JobStore jobs,
    IAuditTrail audit,
    ILogger<OrgExport> logger)
{
    public const string ContentType = "application/x-ndjson";
    private const int PageSize = 100;
    private const int AuditPageSize = 1000;

    /// <summary>The org to export; 404 <c>org_not_found</c> before anything is written when it is not registered.</summary>
    public async Task<OrgRecord> FindAsync(OrgId orgId, CancellationToken cancellationToken) =>
        await registry.GetAsync(orgId, cancellationToken).ConfigureAwait(false) is { Registered: true } org
            ? org
            : throw new ApiException(404, ErrorCodes.OrgNotFound, $"Org '{orgId.Value}' is not registered.");

    /// <summary>Writes the org's records to <paramref name="output"/>; returns how many lines it wrote.</summary>
    public async Task<long> WriteAsync(OrgRecord org, Stream output, CancellationToken cancellationToken)
    {
        var orgId = org.OrgId;
        using var lines = new NdjsonWriter(output);
        await lines.WriteAsync("org", OrgView.From(org), cancellationToken).ConfigureAwait(false);
        foreach (var agent in await agents.ListAllAsync(orgId, cancellationToken).ConfigureAwait(false))
        {
            lines.Add("agent", agent.Definition);
        }

        foreach (var server in await mcpServers.ListAsync(orgId, cancellationToken).ConfigureAwait(false))
        {
            lines.Add("mcpServer", server);
        }

        await lines.FlushAsync(cancellationToken).ConfigureAwait(false);
        await WriteConversationsAsync(orgId, lines, cancellationToken).ConfigureAwait(false);
        await foreach (var document in knowledge.ExportAsync(orgId, cancellationToken).ConfigureAwait(false))
        {
            await lines.WriteAsync("document", new
            {
                documentId = document.DocumentId,
                title = document.Title,
                metadata = document.Metadata is null ? (JsonElement?)null : JsonDocument.Parse(document.Metadata).RootElement,
                chunks = document.Chunks,
            }, cancellationToken).ConfigureAwait(false);
        }

        await foreach (var (collection, record) in data.ReadAllAsync(orgId, cancellationToken).ConfigureAwait(false))
        {
            await lines.AddPagedAsync("dataRecord", new { collection, id = record.Id, value = record.Value }, PageSize, cancellationToken).ConfigureAwait(false);
        }

        await foreach (var job in jobs.ReadAllAsync(orgId, cancellationToken).ConfigureAwait(false))
        {
            await lines.AddPagedAsync("job", new
            {
                jobId = job.JobId,
                status = job.Status,
                input = job.Input,
                agent = job.Agent,
                conversationId = job.ConversationId,
                output = job.Output,
                error = job.Error,
                attempts = job.Attempts,
                usage = job.Usage,
                createdAt = job.CreatedAt,
                startedAt = job.StartedAt,
                completedAt = job.CompletedAt,
            }, PageSize, cancellationToken).ConfigureAwait(false);
        }

        string? cursor = null;
        do
        {
            var page = await audit.ReadAsync(orgId, AuditPageSize, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Events)
            {
                lines.Add("audit", entry);
            }

            await lines.FlushAsync(cancellationToken).ConfigureAwait(false);
            cursor = page.Cursor;
        }
        while (cursor is not null);

        await lines.FlushAsync(cancellationToken).ConfigureAwait(false);
        LogExported(logger, orgId.Value, lines.Count);
        return lines.Count;
    }

    private async Task WriteConversationsAsync(OrgId orgId, NdjsonWriter lines, CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var page = await conversations.ListAsync(orgId, PageSize, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var conversation in page.Conversations)
            {
                lines.Add("conversation", new
                {
                    conversationId = conversation.ConversationId,
                    messageCount = conversation.MessageCount,
                    createdAt = conversation.CreatedAt,
                    updatedAt = conversation.UpdatedAt,
                });
                string? older = null;
                do
                {
                    // Gone since it was listed (deleted, or expired meanwhile): its header line stays, with what was read.
                    if (await conversations.GetMessagesAsync(orgId, conversation.ConversationId, new MessagePageRequest(PageSize, Cursor: older), cancellationToken).ConfigureAwait(false) is not { } messages)
                    {
                        break;
                    }

                    for (var i = messages.Messages.Count - 1; i >= 0; i--)
                    {
                        var message = messages.Messages[i];
                        lines.Add("message", new
                        {
                            conversationId = conversation.ConversationId,
                            role = message.Role == MessageRole.User ? "user" : "assistant",
                            content = message.Content,
                            createdAt = message.CreatedAt,
                        });
                    }

                    await lines.FlushAsync(cancellationToken).ConfigureAwait(false);
                    older = messages.Cursor;
                }
                while (older is not null);
            }

            cursor = page.Cursor;
        }
        while (cursor is not null);
    }

    [LoggerMessage(EventId = 3310, Level = LogLevel.Information, Message = "Exported org {OrgId}: {Lines} records")]
    private static partial void LogExported(ILogger logger, string orgId, long lines);

    /// <summary>Buffers lines of one page and writes them to the stream on flush.</summary>
    private sealed class NdjsonWriter(Stream output) : IDisposable
    {
        private readonly MemoryStream _buffer = new();
        private int _pending;

        public long Count { get; private set; }

        public void Dispose() => _buffer.Dispose();

        public void Add(string type, object value)
        {
            using (var writer = new Utf8JsonWriter(_buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("type", type);
                writer.WritePropertyName("value");
                JsonSerializer.Serialize(writer, value, value.GetType(), ApiJson.Options);
                writer.WriteEndObject();
            }

            _buffer.WriteByte((byte)'\n');
            _pending++;
            Count++;
        }

        public async Task WriteAsync(string type, object value, CancellationToken cancellationToken)
        {
            Add(type, value);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task AddPagedAsync(string type, object value, int pageSize, CancellationToken cancellationToken)
        {
            Add(type, value);
            if (_pending >= pageSize)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_buffer.Length > 0)
            {
                await output.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                _buffer.SetLength(0);
            }

            _pending = 0;
        }
    }
}
