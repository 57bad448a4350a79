using AgentFunctions.Tenancy;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Agents;

/// <summary>The same <c>Agent__*</c> settings for every org; the org area decorates this with per-org settings.</summary>
internal sealed class ConfigurationAgentSettings(IOptions<AgentOptions> options) : IOrgAgentSettingsSource
{
    /// <summary>The service key this source is registered under, so a decorator can take it as its defaults.</summary>
    public const string Key = "configuration";

    public ValueTask<OrgAgentSettings> GetAsync(OrgId orgId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        return ValueTask.FromResult(new OrgAgentSettings(o.SystemPrompt, o.Model, o.Temperature, o.MaxOutputTokens));
    }
}
