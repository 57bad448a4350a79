using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Agents;

/// <summary>The agent's defaults for every org (<c>Agent__*</c>) until the org registry supplies per-org settings.</summary>
internal sealed class AgentOptions
{
    public const string Section = "Agent";

    public const string DefaultSystemPrompt = "You are a helpful assistant. Answer concisely.";

    [Required(AllowEmptyStrings = false)]
    public string SystemPrompt { get; set; } = DefaultSystemPrompt;

    /// <summary>The chat model (deployment) name; unset: <c>AzureOpenAI__ChatDeployment</c> / <c>OpenAI__ChatModel</c>.</summary>
    public string? Model { get; set; }

    [Range(0.0, 2.0)]
    public float? Temperature { get; set; }

    [Range(1, 1_000_000)]
    public int? MaxOutputTokens { get; set; }

    /// <summary>How many of the newest messages of a conversation a turn sends to the model.</summary>
    [Range(0, 1000)]
    public int HistoryMessages { get; set; } = 20;

    /// <summary>At most this many characters of history (newest kept), whatever <see cref="HistoryMessages"/> allows.</summary>
    [Range(0, 2_000_000)]
    public int HistoryCharacters { get; set; } = 24_000;

    /// <summary>Output-token budget of one running-summary call (agents with compaction on).</summary>
    [Range(16, 8192)]
    public int SummaryMaxOutputTokens { get; set; } = 512;

    /// <summary>Most named agents one org may define (<c>default</c> not counted).</summary>
    [Range(1, 1000)]
    public int MaxAgentsPerOrg { get; set; } = 50;

    /// <summary>Model round trips per run when the model calls tools.</summary>
    [Range(1, 50)]
    public int MaxToolIterations { get; set; } = 8;

    /// <summary>Framework agents (one per org, agent and definition version) this instance keeps built.</summary>
    [Range(1, 100_000)]
    public int CacheSize { get; set; } = 1000;

    /// <summary>How long a built framework agent is reused at most, in seconds.</summary>
    [Range(1, 86_400)]
    public int CacheSeconds { get; set; } = 600;

    /// <summary>
    /// How long an instance runs an agent from the definition it read, in seconds: a change made on this instance is used
    /// at once, one made on another instance within this time. 0 reads the definition on every run.
    /// </summary>
    [Range(0, 3600)]
    public int DefinitionCacheSeconds { get; set; } = 30;
}
