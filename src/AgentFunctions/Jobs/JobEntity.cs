using System.Globalization;
using AgentFunctions.Agents;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Azure.Data.Tables;

namespace AgentFunctions.Jobs;

/// <summary>
/// The <c>Jobs</c> table schema. PartitionKey = org id (the isolation boundary: every read is a
/// point read inside the org's partition), RowKey = job id. Properties: <c>Status</c>, <c>Input</c>
/// (≤ 32,000 characters, fits one 64 KiB string property), <c>Agent</c> (absent: <c>default</c>), <c>ConversationId</c>, <c>Output0..n</c>
/// + <c>OutputParts</c> (the output split into ≤ 30,000-character parts, because a string property
/// holds at most 64 KiB), <c>Error</c>, <c>Attempts</c>, <c>InputTokens</c>, <c>OutputTokens</c>,
/// <c>CreatedAt</c>, <c>StartedAt</c>, <c>CompletedAt</c>, <c>ClaimMessageId</c>,
/// <c>ClaimDequeueCount</c>, <c>Principal</c> (who submitted it; its run's usage is attributed to them), <c>NewConversation</c>
/// (true when the conversation id was generated at submit; absent, as on rows stored before it existed: false). Changing the key scheme is a breaking change for stored jobs.
/// </summary>
internal static class JobEntity
{
    public const string TableName = "Jobs";

    /// <summary>Characters per output part: 60,000 bytes in UTF-16, under the 64 KiB property limit.</summary>
    public const int OutputPartLength = 30_000;

    /// <summary>
    /// Most output parts a row holds: with the input and the other properties the entity stays
    /// under Table Storage's 1 MiB limit. A longer output is refused, never cut.
    /// </summary>
    public const int MaxOutputParts = 15;

    /// <summary>The longest output that always fits (a split never separates a surrogate pair, which can cost a character per part).</summary>
    public const int MaxOutputLength = (OutputPartLength - 1) * MaxOutputParts;

    public static TableEntity ToEntity(JobRecord job)
    {
        var entity = new TableEntity(job.OrgId.Value, job.JobId)
        {
            ["Status"] = job.Status.ToString(),
            ["Input"] = job.Input,
            ["ConversationId"] = job.ConversationId,
            ["Attempts"] = job.Attempts,
            ["CreatedAt"] = job.CreatedAt,
            ["ClaimDequeueCount"] = job.ClaimDequeueCount,
        };
        SetIfNotNull(entity, "Agent", job.Agent);
        SetIfNotNull(entity, "Error", job.Error);
        SetIfNotNull(entity, "StartedAt", job.StartedAt);
        SetIfNotNull(entity, "CompletedAt", job.CompletedAt);
        SetIfNotNull(entity, "ClaimMessageId", job.ClaimMessageId);
        SetIfNotNull(entity, "Principal", job.Principal);
        if (job.NewConversation)
        {
            entity["NewConversation"] = true;
        }

        if (job.Usage is { } usage)
        {
            entity["InputTokens"] = usage.InputTokens;
            entity["OutputTokens"] = usage.OutputTokens;
        }

        if (job.Output is { } output)
        {
            if (output.Length > MaxOutputLength)
            {
                throw new InvalidOperationException($"An output of {output.Length} characters does not fit a job row (at most {MaxOutputLength}).");
            }

            var parts = TextParts.Split(output, OutputPartLength);
            entity["OutputParts"] = parts.Count;
            for (var i = 0; i < parts.Count; i++)
            {
                entity[PartName(i)] = parts[i];
            }
        }

        entity.ETag = job.ETag;
        return entity;
    }

    public static JobRecord FromEntity(OrgId orgId, TableEntity entity)
    {
        var status = Enum.Parse<JobStatus>(entity.GetString("Status"), ignoreCase: false);
        AgentUsage? usage = entity.GetInt64("InputTokens") is { } input
            ? new AgentUsage(input, entity.GetInt64("OutputTokens") ?? 0)
            : null;
        return new JobRecord(
            orgId,
            entity.RowKey,
            status,
            entity.GetString("Input"),
            entity.GetString("ConversationId"),
            entity.GetInt32("Attempts") ?? 0,
            entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? DateTimeOffset.MinValue,
            ReadOutput(entity),
            entity.GetString("Error"),
            usage,
            entity.GetDateTimeOffset("StartedAt"),
            entity.GetDateTimeOffset("CompletedAt"),
            entity.GetString("ClaimMessageId"),
            entity.GetInt64("ClaimDequeueCount") ?? 0,
            entity.ETag,
            entity.GetString("Principal"))
        {
            Agent = entity.GetString("Agent"),
            NewConversation = entity.GetBoolean("NewConversation") ?? false,
        };
    }

    private static string? ReadOutput(TableEntity entity)
    {
        if (entity.GetInt32("OutputParts") is not { } parts)
        {
            return null;
        }

        return string.Concat(Enumerable.Range(0, parts).Select(i => entity.GetString(PartName(i))));
    }

    private static string PartName(int index) => "Output" + index.ToString(CultureInfo.InvariantCulture);

    private static void SetIfNotNull(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
