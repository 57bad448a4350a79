using Azure.Core;
using Azure.Core.Pipeline;

namespace AgentFunctions.IntegrationTests.Jobs;

/// <summary>
/// A per-try pipeline policy of the Table client: the first request with the given method to the given table (a PUT
/// replace of a row, a POST insert) reaches storage and is applied, then its answer is lost as on a dropped connection. The client's retry
/// policy sends it again, and meets its own change (a stale If-Match, an existing row).
/// </summary>
internal sealed class LoseFirstAnswer(RequestMethod method, string table) : HttpPipelinePolicy
{
    private int _lost;

    public bool Lost => Volatile.Read(ref _lost) == 1;

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        if (message.Request.Method == method && IsOf(message.Request.Uri.Path) && Interlocked.Exchange(ref _lost, 1) == 0)
        {
            throw new IOException("The connection closed before the answer arrived.");
        }
    }

    /// <summary>An insert goes to <c>/{table}</c>, a row's replace to <c>/{table}(PartitionKey=...)</c>; not <c>/Tables</c>.</summary>
    private bool IsOf(string path) =>
        path.EndsWith("/" + table, StringComparison.Ordinal) || path.Contains("/" + table + "(", StringComparison.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The Table client is used asynchronously here.");
}
