using System.ComponentModel;
using AgentFunctions.Agents;
using AgentFunctions.DataStore;
using AgentFunctions.Errors;
using AgentFunctions.Knowledge;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace AgentFunctions.Mcp;

/// <summary>
/// The tools of an org's MCP server (<c>/api/mcp</c>), made per request for the caller's org: <c>ask_agent</c>,
/// <c>search_knowledge</c> and the agent's data store tools (same names and argument shapes, <c>readOnlyHint</c> on reads).
/// The org is captured here; no tool takes or names one. A refusal (bad arguments, quota, model down) is an MCP tool
/// error (<c>isError</c>) carrying the problem's code and message, never a JSON-RPC error.
/// </summary>
internal sealed partial class OrgMcpTools(IAgent agent, KnowledgeService knowledge, DataStoreTools data, ILogger<OrgMcpTools> logger)
{
    public const string AskAgent = "ask_agent";
    public const string SearchKnowledge = "search_knowledge";

    public IEnumerable<McpServerTool> For(OrgId orgId)
    {
        yield return McpServerTool.Create(
            ([Description("The question or instruction for the organization's agent.")] string input,
             [Description("Which of this organization's agents to ask (a name GET /api/agents lists); omit for 'default'.")] string? agent = null,
             [Description("Continue this conversation (the conversationId of an earlier answer); omit to start a new one.")] string? conversationId = null,
             CancellationToken cancellationToken = default) => AskAsync(orgId, input, agent, conversationId, cancellationToken),
            new McpServerToolCreateOptions
            {
                Name = AskAgent,
                Description = "Asks one of this organization's agents (its instructions, memory, knowledge and tools apply). " +
                    "Returns {output, conversationId, agent, usage, citations}; pass conversationId back to continue the conversation.",
                ReadOnly = false,
                Destructive = false,
                OpenWorld = false,
                UseStructuredContent = true,
            });
        yield return McpServerTool.Create(
            ([Description("What to look for, in words likely to appear in the passages.")] string query,
             [Description("How many passages to return, 1-20 (default 5).")] int? top = null,
             CancellationToken cancellationToken = default) => SearchAsync(orgId, query, top, cancellationToken),
            new McpServerToolCreateOptions
            {
                Name = SearchKnowledge,
                Description = "Searches this organization's knowledge base. Returns {results: [{documentId, title, content, score}]}, best first.",
                ReadOnly = true,
                OpenWorld = false,
                UseStructuredContent = true,
            });
        foreach (var tool in data.For(orgId).OfType<AIFunction>())
        {
            yield return new ErrorResultTool(
                McpServerTool.Create(tool, new McpServerToolCreateOptions { ReadOnly = tool.Name != DataStoreTools.PutRecord, Destructive = false, OpenWorld = false }));
        }
    }

    private async Task<AgentRunResult> AskAsync(OrgId orgId, string input, string? agentName, string? conversationId, CancellationToken cancellationToken)
    {
        try
        {
            var request = new AgentRunRequest(input, conversationId) { Agent = agentName };
            var result = await agent.RunAsync(orgId, request, turnId: null, cancellationToken).ConfigureAwait(false);
            LogToolCalled(logger, AskAgent, orgId.Value, "ok");
            return result;
        }
        catch (ApiException e)
        {
            throw Refused(AskAgent, orgId, e);
        }
    }

    private async Task<SearchResponse> SearchAsync(OrgId orgId, string query, int? top, CancellationToken cancellationToken)
    {
        try
        {
            var result = await knowledge.SearchAsync(orgId, new SearchRequest(query, top), cancellationToken).ConfigureAwait(false);
            LogToolCalled(logger, SearchKnowledge, orgId.Value, "ok");
            return result;
        }
        catch (ApiException e)
        {
            throw Refused(SearchKnowledge, orgId, e);
        }
    }

    /// <summary>The SDK turns an <see cref="McpException"/> into an <c>isError</c> result with this message.</summary>
    private McpException Refused(string tool, OrgId orgId, ApiException e)
    {
        LogToolCalled(logger, tool, orgId.Value, e.Code);
        return new McpException($"{e.Code}: {e.Message}", e);
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "MCP tool {Tool} called for org {OrgId}: {Outcome}")]
    private static partial void LogToolCalled(ILogger logger, string tool, string orgId, string outcome);
}
