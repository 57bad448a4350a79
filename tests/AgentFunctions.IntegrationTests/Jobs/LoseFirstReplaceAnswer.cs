using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.IntegrationTests.Jobs;

/// <summary>
/// A per-try pipeline policy of the Table client: the first replace (PUT) reaches storage and is applied, then its
/// answer is lost as on a dropped connection. The client's retry policy sends it again with the old If-Match.
/// </summary>
internal sealed class LoseFirstReplaceAnswer : HttpPipelinePolicy
{
    private int _lost;

    public bool Lost => Volatile.Read(ref _lost) == 1;

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (message.Request.Method == RequestMethod.Put && Interlocked.Exchange(ref _lost, 1) == 0)
        {
            throw new IOException("The connection closed before the answer arrived.");
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The Table client is used asynchronously here.");
}
