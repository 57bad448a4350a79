using AgentFunctions.Models;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>
/// The Microsoft Agent Framework agents runs use: one <see cref="ChatClientAgent"/> per org, agent and definition version,
/// over the org's chat client, kept in a bounded cache (<c>Agent__CacheSize</c> entries, least recently used out first,
/// each for at most <c>Agent__CacheSeconds</c>). A new definition (its ETag), new org settings (their version) or a new
/// client of the org (a rotated key) is a new agent. The agent holds what the definition says (name, description, model
/// settings), the function-invocation pipeline and the shared providers; what is per run (tools, the client's options)
/// is given to each run.
/// </summary>
internal sealed class FrameworkAgents(
    IModelClients models,
    TableChatHistoryProvider history,
    RetrievalContextProvider retrieval,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    private readonly BoundedCache<Key, Entry> _agents = new(options.Value.CacheSize, time);

    /// <summary>The agent for a definition; <paramref name="definitionVersion"/> is its ETag (null: the org's own settings).</summary>
    public async Task<ChatClientAgent> GetAsync(OrgId orgId, AgentDefinition agent, string? definitionVersion, OrgAgentSettings settings, CancellationToken cancellationToken)
    {
        // The org's client is cached by the model area; asking for it is what notices a rotated key or endpoint.
        var client = await models.GetChatClientAsync(
            orgId, new ChatModelTarget(agent.Model?.Deployment ?? settings.Model, settings.Endpoint, settings.ApiKeySetting, settings.Version), cancellationToken).ConfigureAwait(false);
        var key = new Key(orgId, agent.Name, definitionVersion, settings.Version);
        if (_agents.TryGet(key, out var cached) && ReferenceEquals(cached.Client, client))
        {
            return cached.Agent;
        }

        var pipeline = new ChatClientBuilder(client)
            .UseFunctionInvocation(loggerFactory, f => f.MaximumIterationsPerRequest = options.Value.MaxToolIterations)
            .Build();
        var built = new ChatClientAgent(pipeline, new ChatClientAgentOptions
        {
            Name = agent.Name,
            Description = agent.Description,
            // Our pipeline as it is: function invocation with the app's iteration limit, none of the approval decorators.
            UseProvidedChatClientAsIs = true,
            ChatOptions = new ChatOptions
            {
                Temperature = agent.Model?.Temperature ?? settings.Temperature,
                MaxOutputTokens = agent.Model?.MaxOutputTokens ?? settings.MaxOutputTokens,
            },
            ChatHistoryProvider = history,
            AIContextProviders = [retrieval],
        }, loggerFactory);
        _agents.Set(key, new Entry(client, built), TimeSpan.FromSeconds(options.Value.CacheSeconds));
        return built;
    }

    private readonly record struct Key(OrgId OrgId, string Agent, string? DefinitionVersion, long SettingsVersion);

    private sealed record Entry(IChatClient Client, ChatClientAgent Agent);
}
