using AgentFunctions.Conversations;
using AgentFunctions.Errors;
using AgentFunctions.Http;
using AgentFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Functions;

/// <summary>
/// docs/api.md, "Conversations": list, read and delete the org's conversations. The store refuses a
/// malformed conversation id with 400 before any I/O.
/// </summary>
internal sealed class ConversationFunctions(IConversationStore store, IOptions<ConversationsOptions> options)
{
    private const int DefaultLimit = 50;

    [Function(nameof(ListConversations))]
    public async Task<IActionResult> ListConversations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "conversations")] HttpRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var limit = QueryLimit.Parse(request, DefaultLimit, TableConversationStore.MaxPageSize);
        var cursor = request.Query["cursor"].ToString() is { Length: > 0 } text ? text : null;
        var page = await store.ListAsync(context.GetOrgId(), limit, cursor, cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(ConversationListResponse.From(page));
    }

    [Function(nameof(GetConversationMessages))]
    public async Task<IActionResult> GetConversationMessages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "conversations/{conversationId}/messages")] HttpRequest request,
        string conversationId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        var page = new MessagePageRequest(
            QueryLimit.Parse(request, DefaultLimit, TableConversationStore.MaxPageSize),
            options.Value.ListCharacters,
            request.Query["cursor"].ToString() is { Length: > 0 } text ? text : null);
        var messages = await store.GetMessagesAsync(context.GetOrgId(), conversationId, page, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("The conversation");
        return new OkObjectResult(ConversationMessagesResponse.From(conversationId, messages));
    }

    [Function(nameof(DeleteConversation))]
    public async Task<IActionResult> DeleteConversation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "conversations/{conversationId}")] HttpRequest request,
        string conversationId,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        return await store.DeleteAsync(context.GetOrgId(), conversationId, cancellationToken).ConfigureAwait(false)
            ? new NoContentResult()
            : throw ApiException.NotFound("The conversation");
    }
}
