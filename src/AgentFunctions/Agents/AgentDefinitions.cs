using System.Text.Json;
using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>
/// The org's named agents (docs/api.md, "Agents"): <c>default</c> always exists (the org's own settings until it is
/// stored), the others are what the org stored. Every write is checked against what only the org's data can say — its
/// tools, its other agents (no cycle of agents calling each other), its model limits and its agent count — and then
/// written in one operation.
/// </summary>
internal sealed class AgentDefinitions(
    AgentDefinitionStore store,
    IOrgAgentSettingsSource settingsSource,
    IEnumerable<IAgentToolProvider> toolProviders,
    IOptions<AgentOptions> options) : IAgentDefinitionSource
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 100;

    /// <summary>The agent as stored now: the stored definition, or for <c>default</c> the org's own settings. 404 <c>agent_not_found</c> otherwise.</summary>
    public async Task<StoredAgentDefinition> GetAsync(OrgId orgId, string name, CancellationToken cancellationToken)
    {
        AgentDefinitionRules.EnsureName(name);
        return await store.GetAsync(orgId, name, cancellationToken).ConfigureAwait(false)
            ?? (name == AgentDefinition.DefaultName ? await OrgDefaultAsync(orgId, cancellationToken).ConfigureAwait(false) : throw NotFound(name));
    }

    /// <summary>The agent as it runs: like <see cref="GetAsync"/>, read through the store's per-instance cache for runs.</summary>
    async Task<StoredAgentDefinition> IAgentDefinitionSource.GetAsync(OrgId orgId, string name, CancellationToken cancellationToken) =>
        await store.FindForRunAsync(orgId, name, cancellationToken).ConfigureAwait(false)
            ?? (name == AgentDefinition.DefaultName ? await OrgDefaultAsync(orgId, cancellationToken).ConfigureAwait(false) : throw NotFound(name));

    /// <summary>A page of the org's agents in name order, <c>default</c> included, continuing after <paramref name="cursor"/> (a name).</summary>
    public async Task<AgentDefinitionPage> ListAsync(OrgId orgId, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var take = limit ?? DefaultListLimit;
        if (take is < 1 or > MaxListLimit)
        {
            throw ApiException.InvalidRequest("limit", $"must be between 1 and {MaxListLimit}.");
        }

        if (cursor is not null && !AgentDefinitionRules.IsName(cursor))
        {
            throw ApiException.InvalidRequest("cursor", "is not a cursor of this list.");
        }

        // An org holds at most MaxAgentsPerOrg definitions: one partition read, paged here, keeps the synthetic default in order.
        var all = (await store.ListAllAsync(orgId, cancellationToken).ConfigureAwait(false)).ToList();
        if (!all.Any(a => a.Definition.Name == AgentDefinition.DefaultName))
        {
            all.Add(await OrgDefaultAsync(orgId, cancellationToken).ConfigureAwait(false));
        }

        var after = all.Where(a => cursor is null || string.CompareOrdinal(a.Definition.Name, cursor) > 0)
            .OrderBy(a => a.Definition.Name, StringComparer.Ordinal).ToList();
        var page = after.Take(take).ToList();
        return new AgentDefinitionPage(page, after.Count > take ? page[^1].Definition.Name : null);
    }

    /// <summary>Validates and stores a definition; <c>Created</c> is true when none was stored before.</summary>
    public async Task<(StoredAgentDefinition Agent, bool Created)> PutAsync(
        OrgId orgId, string name, JsonElement body, string? ifMatch, bool createOnly, CancellationToken cancellationToken)
    {
        var definition = AgentDefinitionRules.Parse(name, body);
        var etag = EntityTags.ParseIfMatch(ifMatch, createOnly);

        var stored = await store.ListAllAsync(orgId, cancellationToken).ConfigureAwait(false);
        var exists = stored.Any(a => a.Definition.Name == name);
        var max = options.Value.MaxAgentsPerOrg;
        if (!exists && stored.Count(a => a.Definition.Name != AgentDefinition.DefaultName) >= max && name != AgentDefinition.DefaultName)
        {
            throw ApiException.Conflict($"The org already has {max} agents, the most allowed (Agent__MaxAgentsPerOrg); delete one first.");
        }

        var settings = await settingsSource.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (definition.Model?.MaxOutputTokens is { } tokens && settings.MaxOutputTokens is { } orgMax && tokens > orgMax)
        {
            throw ApiException.InvalidRequest("model.maxOutputTokens", $"is {tokens}; the org's settings allow at most {orgMax}.");
        }

        var agentNames = stored.Select(a => a.Definition.Name).Append(AgentDefinition.DefaultName).Append(name).ToHashSet(StringComparer.Ordinal);
        await EnsureToolsAsync(orgId, definition, agentNames, cancellationToken).ConfigureAwait(false);
        var calls = stored.Where(a => a.Definition.Name != name).Select(a => a.Definition).Append(definition)
            .ToDictionary(d => d.Name, d => (IReadOnlyList<string>)[.. d.AgentTools(agentNames)], StringComparer.Ordinal);
        if (AgentDefinitionRules.FindCycle(calls) is { } cycle)
        {
            throw ApiException.InvalidRequest("tools", $"would make agents call each other in a cycle: {string.Join(" -> ", cycle)}.");
        }

        return (await store.PutAsync(orgId, definition, etag, createOnly, cancellationToken).ConfigureAwait(false), !exists);
    }

    /// <summary>
    /// Deletes an agent (deleting <c>default</c> returns it to the org's own settings). 404 when the org has no such agent;
    /// 409 while another agent names it as a tool.
    /// </summary>
    public async Task DeleteAsync(OrgId orgId, string name, string? ifMatch, CancellationToken cancellationToken)
    {
        AgentDefinitionRules.EnsureName(name);
        var etag = EntityTags.ParseIfMatch(ifMatch, createOnly: false);
        var stored = await store.ListAllAsync(orgId, cancellationToken).ConfigureAwait(false);
        if (stored.FirstOrDefault(a => a.Definition.Tools?.Contains(name, StringComparer.Ordinal) == true) is { } caller)
        {
            throw ApiException.Conflict($"Agent '{caller.Definition.Name}' calls agent '{name}' as a tool; remove it from its tools first.");
        }

        if (!await store.DeleteAsync(orgId, name, etag, cancellationToken).ConfigureAwait(false) && name != AgentDefinition.DefaultName)
        {
            throw NotFound(name);
        }
    }

    public static ApiException NotFound(string name) => new(404, ErrorCodes.AgentNotFound, $"Agent '{name}' was not found.");

    private async Task<StoredAgentDefinition> OrgDefaultAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var settings = await settingsSource.GetAsync(orgId, cancellationToken).ConfigureAwait(false);
        var model = new AgentModelSettings(settings.Model, settings.Temperature, settings.MaxOutputTokens);
        return new StoredAgentDefinition(new AgentDefinition(AgentDefinition.DefaultName, Instructions: settings.SystemPrompt, Model: model), null, null);
    }

    /// <summary>Every listed tool must be one of the org's tools (as offered to its runs) or another of its agents.</summary>
    private async Task EnsureToolsAsync(OrgId orgId, AgentDefinition definition, HashSet<string> agentNames, CancellationToken cancellationToken)
    {
        if (definition.Tools is not { Count: > 0 } tools)
        {
            return;
        }

        var orgTools = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in toolProviders)
        {
            foreach (var tool in await provider.GetToolsAsync(orgId, new AgentRunScope(), cancellationToken).ConfigureAwait(false))
            {
                orgTools.Add(tool.Name);
            }
        }

        foreach (var tool in tools)
        {
            if (!orgTools.Contains(tool) && !agentNames.Contains(tool))
            {
                throw ApiException.InvalidRequest("tools", $"names '{tool}', which is neither a tool this org has ({string.Join(", ", orgTools.Order(StringComparer.Ordinal))}) nor one of its agents.");
            }
        }
    }
}
