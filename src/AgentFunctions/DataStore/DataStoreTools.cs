using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentFunctions.Agents;
using AgentFunctions.Errors;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;

namespace AgentFunctions.DataStore;

/// <summary>
/// The data store as agent tools (<c>get_record</c>, <c>put_record</c>, <c>list_records</c>) for the
/// function-invocation pipeline. The org is bound when the tools are made for a run; no tool takes
/// an org argument, so nothing the model writes can reach another org's records. Bad arguments come
/// back to the model as an error result (it can correct itself) instead of failing the run.
/// </summary>
internal sealed class DataStoreTools(DataRecordStore store) : IAgentToolProvider
{
    /// <summary>Most records one <c>list_records</c> call returns (the model's context is the limit here).</summary>
    public const int MaxListLimit = 20;

    public const string PutRecord = "put_record";

    private const string CollectionHelp = "Collection name: 1-63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit.";
    private const string IdHelp = "Record id: 1-128 characters of A-Z, a-z, 0-9, '-', '_' and '.', starting with a letter or digit.";

    public ValueTask<IReadOnlyList<AITool>> GetToolsAsync(OrgId orgId, AgentRunScope run, CancellationToken cancellationToken) => ValueTask.FromResult(For(orgId));

    /// <summary>The tools of one run, bound to <paramref name="orgId"/>.</summary>
    public IReadOnlyList<AITool> For(OrgId orgId) =>
    [
        AIFunctionFactory.Create(
            ([Description(CollectionHelp)] string collection, [Description(IdHelp)] string id, CancellationToken cancellationToken) =>
                GetAsync(orgId, collection, id, cancellationToken),
            "get_record",
            "Reads one JSON record of this organization's data store. Returns {id, value, etag}, or an error such as not_found."),
        AIFunctionFactory.Create(
            ([Description(CollectionHelp)] string collection, [Description(IdHelp)] string id,
             [Description("The record: a JSON object (at most 256 KiB). Replaces any earlier value.")] JsonElement value,
             CancellationToken cancellationToken) =>
                PutAsync(orgId, collection, id, value, cancellationToken),
            PutRecord,
            "Creates or replaces one JSON record in this organization's data store. Returns {id, etag}."),
        AIFunctionFactory.Create(
            ([Description(CollectionHelp)] string collection,
             [Description("How many records to return, 1-20.")] int? limit = null,
             [Description("The cursor of the previous page, to continue after it; omit for the first page.")] string? cursor = null,
             CancellationToken cancellationToken = default) =>
                ListAsync(orgId, collection, limit, cursor, cancellationToken),
            "list_records",
            "Lists records of one collection of this organization's data store in id order. Returns {items: [{id, value, etag}], cursor?}; pass cursor back for more."),
    ];

    private async Task<object> GetAsync(OrgId orgId, string collection, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetAsync(orgId, collection, id, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            return ToolError.From(e);
        }
    }

    private async Task<object> PutAsync(OrgId orgId, string collection, string id, JsonElement value, CancellationToken cancellationToken)
    {
        try
        {
            var etag = await store.PutAsync(orgId, collection, id, AsObject(value), DataPrecondition.None, cancellationToken).ConfigureAwait(false);
            return new DataRecordWritten(id, etag);
        }
        catch (ApiException e)
        {
            return ToolError.From(e);
        }
    }

    private async Task<object> ListAsync(OrgId orgId, string collection, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        try
        {
            if (limit is < 1 or > MaxListLimit)
            {
                throw ApiException.InvalidRequest("limit", $"must be between 1 and {MaxListLimit}.");
            }

            return await store.ListAsync(orgId, collection, limit ?? MaxListLimit, string.IsNullOrEmpty(cursor) ? null : cursor, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            return ToolError.From(e);
        }
    }

    /// <summary>Models often send an object as a JSON string; accept that when the string holds an object.</summary>
    private static JsonElement AsObject(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return value;
        }

        try
        {
            using var document = JsonDocument.Parse(value.GetString()!);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : value;
        }
        catch (JsonException)
        {
            return value;
        }
    }

    private sealed record ToolError(
        [property: JsonPropertyName("error")] string Error,
        [property: JsonPropertyName("detail")] string Detail)
    {
        public static ToolError From(ApiException e) => new(e.Code, e.Message);
    }
}
