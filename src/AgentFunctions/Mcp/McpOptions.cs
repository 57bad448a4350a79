using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Mcp;

/// <summary>The <c>Mcp__*</c> settings for the orgs' remote MCP servers (docs/configuration.md).</summary>
internal sealed class McpOptions
{
    public const string Section = "Mcp";

    /// <summary>Local development and tests only: permits http and https on loopback addresses (127.0.0.1, ::1, localhost).</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Longest a remote server may take to connect and list its tools, or to answer one tool call.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an org's remote tool list is reused before the servers are asked again (PUT/DELETE clear it at once).</summary>
    [Range(0, 3600)]
    public int ToolCacheSeconds { get; set; } = 60;

    /// <summary>Longest tool result handed to the model, in characters; a longer one is cut and says so.</summary>
    [Range(1_000, 1_000_000)]
    public int MaxResultCharacters { get; set; } = 32_000;
}
