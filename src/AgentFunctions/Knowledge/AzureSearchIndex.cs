using AgentFunctions.Errors;
using Azure;
using Azure.Identity;
using Azure.Search.Documents.Indexes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Knowledge;

/// <summary>
/// The AI Search index, created (or updated) on first use rather than at start: on a first deployment the app's
/// Search roles may not have propagated yet, and a failing start would stop every trigger, not only knowledge. A
/// failed creation is never cached: the next use tries again (one at a time), and until then knowledge calls answer
/// 503 <c>knowledge_unavailable</c> while everything else serves. <see cref="Status"/> feeds the health check.
/// </summary>
internal sealed partial class AzureSearchIndex(SearchIndexClient client, string name, int dimensions, ILogger<AzureSearchIndex>? logger = null)
    : ISearchIndexHealth, IDisposable
{
    private readonly SemaphoreSlim _creating = new(1, 1);
    private readonly ILogger _logger = logger ?? NullLogger<AzureSearchIndex>.Instance;
    private volatile SearchIndexStatus _status;

    public SearchIndexClient Client => client;

    public string Name => name;

    public int Dimensions => dimensions;

    public SearchIndexStatus Status => _status;

    /// <summary>Returns once the index exists; throws 503 <c>knowledge_unavailable</c> when it cannot be created now.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_status == SearchIndexStatus.Ready)
        {
            return;
        }

        await _creating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_status == SearchIndexStatus.Ready)
            {
                return;
            }

            await client.CreateOrUpdateIndexAsync(AzureSearchKnowledgeStore.Definition(name, dimensions), cancellationToken: cancellationToken).ConfigureAwait(false);
            _status = SearchIndexStatus.Ready;
            LogCreated(_logger, name);
        }
        catch (Exception failure) when (failure is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException)
        {
            _status = SearchIndexStatus.Failed;
            LogCreationFailed(_logger, name, (failure as RequestFailedException)?.Status ?? 0, failure.GetType().Name);
            throw new ApiException(503, ErrorCodes.KnowledgeUnavailable,
                "The knowledge index is not available yet (the search service refused it); try again shortly.");
        }
        finally
        {
            _creating.Release();
        }
    }

    public void Dispose() => _creating.Dispose();

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "AI Search index {IndexName} is ready")]
    private static partial void LogCreated(ILogger logger, string indexName);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning,
        Message = "AI Search index {IndexName} could not be created or updated (status {Status}, {ExceptionType}); retried on the next use and in the background")]
    private static partial void LogCreationFailed(ILogger logger, string indexName, int status, string exceptionType);
}
