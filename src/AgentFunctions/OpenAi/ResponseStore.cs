using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAi;

/// <summary>
/// Table <c>Responses</c>: PartitionKey = org id (the isolation boundary), RowKey = response id (<c>resp_</c> + 32 hex).
/// Properties: <c>ConversationId</c>, the response object's JSON in <c>Response0..n</c> and the pending messages' JSON in
/// <c>Pending0..m</c> (32,000-character parts, at most 15 together: one entity stays under 1 MiB). Every read is a point
/// read in the caller's partition, so another org's response is exactly as absent as a missing one. Changing the key
/// scheme is a breaking change.
/// </summary>
internal sealed class ResponseStore(TableProvider tables) : IOrgDataOwner
{
    public const string TableName = "Responses";

    private const int PartLength = 32_000;
    private const int MaxParts = 15;

    public string Area => "responses";

    /// <summary>Splits before writing: 413 <c>payload_too_large</c> when the response does not fit one entity.</summary>
    public async Task SaveAsync(OrgId orgId, StoredResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = TextParts.Split(response.ResponseJson, PartLength);
        var pending = response.Pending is null ? [] : TextParts.Split(JsonSerializer.Serialize(response.Pending, AIJsonUtilities.DefaultOptions), PartLength);
        if (body.Count + pending.Count > MaxParts)
        {
            throw ApiException.PayloadTooLarge(string.Create(CultureInfo.InvariantCulture, $"The response is too large to store (more than {MaxParts * PartLength} characters); send store: false."));
        }

        var entity = new TableEntity(orgId.Value, response.Id)
        {
            ["ConversationId"] = response.ConversationId,
            ["ResponseParts"] = body.Count,
            ["PendingParts"] = pending.Count,
        };
        for (var i = 0; i < body.Count; i++)
        {
            entity[string.Create(CultureInfo.InvariantCulture, $"Response{i}")] = body[i];
        }

        for (var i = 0; i < pending.Count; i++)
        {
            entity[string.Create(CultureInfo.InvariantCulture, $"Pending{i}")] = pending[i];
        }

        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The org's response of that id, or null (also when another org has one of that id).</summary>
    public async Task<StoredResponse?> FindAsync(OrgId orgId, string responseId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(orgId.Value, responseId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!found.HasValue)
        {
            return null;
        }

        var entity = found.Value!;
        var pending = Join(entity, "Pending", entity.GetInt32("PendingParts") ?? 0);
        return new StoredResponse(
            responseId,
            entity.GetString("ConversationId"),
            Join(entity, "Response", entity.GetInt32("ResponseParts") ?? 0),
            pending.Length == 0 ? null : JsonSerializer.Deserialize<List<ChatMessage>>(pending, AIJsonUtilities.DefaultOptions));
    }

    /// <summary>False when the org has no response of that id.</summary>
    public async Task<bool> DeleteAsync(OrgId orgId, string responseId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        // The SDK reports a missing entity as a 404 response rather than an exception.
        using var response = await table.DeleteEntityAsync(orgId.Value, responseId, ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    /// <summary>Offboarding: every response of the org, 100 per transaction; safe to call again.</summary>
    public async Task DeleteAllAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
        await table.DeleteOrgPartitionAsync(orgId, cancellationToken).ConfigureAwait(false);
    }

    private static string Join(TableEntity entity, string prefix, int parts)
    {
        var text = new StringBuilder();
        for (var i = 0; i < parts; i++)
        {
            text.Append(entity.GetString(string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}")));
        }

        return text.ToString();
    }
}
