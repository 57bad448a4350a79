using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.DataStore;

/// <summary>
/// Small JSON records in named collections, one Table Storage partition per org.
/// <para>
/// Schema of table <c>OrgData</c> (changing it is a breaking change for stored data):
/// PartitionKey = org id; RowKey = <c>{collection}|{id}</c> (see <see cref="DataRecordKeys"/>);
/// <c>Value0</c>…<c>Value4</c> = the record's compact UTF-8 JSON split into binary chunks of at most
/// <see cref="ChunkBytes"/> (a binary property holds at most 64 KiB), read back in order until the
/// first missing chunk. Every write replaces the whole entity in one operation, so a record is never
/// half-written and a shorter value leaves no stale chunk behind.
/// </para>
/// <para>
/// Concurrency is the table's own ETag: reads return it, writes and deletes take it as a precondition.
/// </para>
/// </summary>
internal sealed partial class DataRecordStore(TableProvider tables, ILogger<DataRecordStore> logger) : IOrgDataOwner
{
    public const string TableName = "OrgData";

    /// <summary>Largest stored value: 256 KiB of compact UTF-8 JSON.</summary>
    public const int MaxValueBytes = 256 * 1024;

    public const int DefaultListLimit = 50;

    public const int MaxListLimit = 100;

    internal const int ChunkBytes = 60 * 1024;

    private static readonly string[] ChunkNames =
        [.. Enumerable.Range(0, (MaxValueBytes + ChunkBytes - 1) / ChunkBytes).Select(i => $"Value{i}")];

    private static readonly JsonWriterOptions CompactWriter = new()
    {
        // Non-ASCII text is stored as UTF-8, not as \u escapes (which would inflate it up to 6x).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Area => "data";

    public async Task<DataRecord> GetAsync(OrgId orgId, string collection, string id, CancellationToken cancellationToken)
    {
        DataRecordKeys.ValidateCollection(collection);
        DataRecordKeys.ValidateId(id);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, DataRecordKeys.RowKey(collection, id), cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? ToRecord(id, found.Value!) : throw NotFound(collection, id);
    }

    /// <summary>Creates or replaces a record; returns its new ETag.</summary>
    public async Task<string> PutAsync(OrgId orgId, string collection, string id, JsonElement value, DataPrecondition precondition, CancellationToken cancellationToken)
    {
        DataRecordKeys.ValidateCollection(collection);
        DataRecordKeys.ValidateId(id);
        var ifMatch = ParseIfMatch(precondition);
        var entity = ToEntity(orgId, DataRecordKeys.RowKey(collection, id), Serialize(value));
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        Response response;
        try
        {
            response = precondition.CreateOnly ? await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : ifMatch is { } etag ? await table.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false)
                : await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // 404: If-Match on a missing record; 409: create-only on an existing one; 412: ETag mismatch.
            throw PreconditionFailed(collection, id);
        }

        LogWritten(logger, orgId.Value, collection, id);
        return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("Table Storage returned no ETag.");
    }

    /// <summary>Deletes a record. Deleting a missing record succeeds, unless an ETag was required.</summary>
    public async Task DeleteAsync(OrgId orgId, string collection, string id, DataPrecondition precondition, CancellationToken cancellationToken)
    {
        DataRecordKeys.ValidateCollection(collection);
        DataRecordKeys.ValidateId(id);
        if (precondition.CreateOnly)
        {
            throw ApiException.InvalidRequest("If-None-Match", "is not supported on DELETE.");
        }

        var ifMatch = ParseIfMatch(precondition);
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await table.DeleteEntityAsync(orgId.Value, DataRecordKeys.RowKey(collection, id), ifMatch ?? ETag.All, cancellationToken).ConfigureAwait(false);
            if (response.Status == 404 && ifMatch is not null)
            {
                throw PreconditionFailed(collection, id);
            }
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412 && ifMatch is not null)
        {
            throw PreconditionFailed(collection, id);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        LogDeleted(logger, orgId.Value, collection, id);
    }

    /// <summary>A page of one collection in id order (ordinal), continuing after <paramref name="cursor"/>.</summary>
    public async Task<DataRecordPage> ListAsync(OrgId orgId, string collection, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        DataRecordKeys.ValidateCollection(collection);
        var take = limit ?? DefaultListLimit;
        if (take is < 1 or > MaxListLimit)
        {
            throw ApiException.InvalidRequest("limit", $"must be between 1 and {MaxListLimit}.");
        }

        var after = cursor is null ? null : DataRecordKeys.DecodeCursor(collection, cursor);
        var end = DataRecordKeys.RangeEnd(collection);
        var filter = after is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey ge {DataRecordKeys.RangeStart(collection)} and RowKey lt {end}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value} and RowKey gt {DataRecordKeys.RowKey(collection, after)} and RowKey lt {end}");

        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var items = new List<DataRecord>(take);
        var more = false;

        // One more than asked tells whether another page exists; the service may split even a small
        // result into several pages, so keep reading until that many have arrived or the range ends.
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: take + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == take)
            {
                more = true;
                break;
            }

            items.Add(ToRecord(DataRecordKeys.IdOf(collection, entity.RowKey), entity));
        }

        return new DataRecordPage(items, more ? DataRecordKeys.EncodeCursor(collection, items[^1].Id) : null);
    }

    /// <summary>Every record of the org with its collection, in key order, streamed page by page (export).</summary>
    public async IAsyncEnumerable<(string Collection, DataRecord Record)> ReadAllAsync(OrgId orgId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {orgId.Value}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: MaxListLimit, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var collection = entity.RowKey[..entity.RowKey.IndexOf('|', StringComparison.Ordinal)];
            yield return (collection, ToRecord(DataRecordKeys.IdOf(collection, entity.RowKey), entity));
        }
    }

    /// <summary>
    /// Deletes every record of the org, in transactions of at most 100 rows of its partition. Safe to
    /// repeat after an interruption or alongside another run: each call deletes whatever is left.
    /// </summary>
    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var deleted = await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
        LogDeletedAll(logger, orgId.Value, deleted);
    }

    internal static byte[] Serialize(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidRequest("value", $"must be a JSON object, not {value.ValueKind.ToString().ToLowerInvariant()}.");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, CompactWriter))
        {
            value.WriteTo(writer);
        }

        if (buffer.Length > MaxValueBytes)
        {
            throw ApiException.PayloadTooLarge($"The record is {buffer.Length} bytes of JSON; at most {MaxValueBytes} bytes are stored.");
        }

        return buffer.ToArray();
    }

    private static TableEntity ToEntity(OrgId orgId, string rowKey, byte[] json)
    {
        var entity = new TableEntity(orgId.Value, rowKey);
        for (var i = 0; i * ChunkBytes < json.Length; i++)
        {
            entity[ChunkNames[i]] = json[(i * ChunkBytes)..Math.Min(json.Length, (i + 1) * ChunkBytes)];
        }

        return entity;
    }

    private static DataRecord ToRecord(string id, TableEntity entity)
    {
        using var buffer = new MemoryStream();
        for (var i = 0; i < ChunkNames.Length && entity.GetBinary(ChunkNames[i]) is { } chunk; i++)
        {
            buffer.Write(chunk);
        }

        using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        return new DataRecord(id, document.RootElement.Clone(), entity.ETag.ToString());
    }

    private static ETag? ParseIfMatch(DataPrecondition precondition) => EntityTags.ParseIfMatch(precondition.IfMatch, precondition.CreateOnly);

    private static ApiException NotFound(string collection, string id) => ApiException.NotFound($"Record '{id}' in collection '{collection}'");

    private static ApiException PreconditionFailed(string collection, string id) =>
        new(412, ErrorCodes.PreconditionFailed, $"Record '{id}' in collection '{collection}' does not match the request's precondition (If-Match / If-None-Match); read it again and retry.");

    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "Data record {Collection}/{RecordId} written for org {OrgId}")]
    private static partial void LogWritten(ILogger logger, string orgId, string collection, string recordId);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Data record {Collection}/{RecordId} deleted for org {OrgId}")]
    private static partial void LogDeleted(ILogger logger, string orgId, string collection, string recordId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Deleted {Count} data records of org {OrgId}")]
    private static partial void LogDeletedAll(ILogger logger, string orgId, int count);
}
