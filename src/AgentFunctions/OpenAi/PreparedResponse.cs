using AgentFunctions.Agents;

namespace AgentFunctions.OpenAi;

/// <summary>A validated <c>POST /api/v1/responses</c>, its chain resolved: the agent call to make and the new response's id.</summary>
internal sealed record PreparedResponse(ResponseCreateRequest Request, AgentCall Call, string Id, long CreatedAt);
