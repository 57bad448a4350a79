using AgentFunctions.Tenancy;

namespace AgentFunctions.Agents;

/// <summary>
/// The agents an org has, by name (the OpenAI-compatible API's models). Today every org has exactly one,
/// <see cref="DefaultAgent"/>: its own settings. Named agents replace this registration.
/// </summary>
internal interface IAgentDirectory
{
    const string DefaultAgent = "default";

    /// <summary>The org's agent names, <see cref="DefaultAgent"/> first.</summary>
    ValueTask<IReadOnlyList<string>> ListAsync(OrgId orgId, CancellationToken cancellationToken);

    /// <summary>Whether the org has an agent of that name (another org's agents never count).</summary>
    ValueTask<bool> ExistsAsync(OrgId orgId, string name, CancellationToken cancellationToken);
}
