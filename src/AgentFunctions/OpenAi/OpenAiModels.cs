using AgentFunctions.Agents;
using AgentFunctions.Tenancy;

namespace AgentFunctions.OpenAi;

/// <summary>The OpenAI "models" of an org are its agents (<see cref="IAgentDirectory"/>): <c>default</c> always.</summary>
internal sealed class OpenAiModels(IAgentDirectory agents)
{
    public async Task<ModelList> ListAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var names = await agents.ListAsync(orgId, cancellationToken).ConfigureAwait(false);
        return new ModelList([.. names.Select(n => new Model(n, orgId.Value))]);
    }

    public async Task<Model> GetAsync(OrgId orgId, string model, CancellationToken cancellationToken)
    {
        await EnsureExistsAsync(orgId, model, cancellationToken).ConfigureAwait(false);
        return new Model(model, orgId.Value);
    }

    /// <summary>404 <c>model_not_found</c> naming <c>model</c> unless the org has an agent of that name.</summary>
    public async Task EnsureExistsAsync(OrgId orgId, string model, CancellationToken cancellationToken)
    {
        if (!await agents.ExistsAsync(orgId, model, cancellationToken).ConfigureAwait(false))
        {
            throw OpenAiError.UnknownModel(model);
        }
    }
}
