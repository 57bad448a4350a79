using System.Net.Sockets;
using AgentFunctions.Storage;
using Azure;

namespace AgentFunctions.Tests.Storage;

public sealed class StorageFailuresTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    [InlineData(503)]
    public void IsUnavailable_RefusedOrServerError_True(int status) =>
        Assert.True(StorageFailures.IsUnavailable(new RequestFailedException(status, "down"), CancellationToken.None));

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(412)]
    public void IsUnavailable_RefusalTheServiceMeant_False(int status) =>
        Assert.False(StorageFailures.IsUnavailable(new RequestFailedException(status, "no"), CancellationToken.None));

    [Fact]
    public void IsUnavailable_RetryAggregateOfOutages_True() =>
        Assert.True(StorageFailures.IsUnavailable(
            new AggregateException(new RequestFailedException(0, "refused"), new TaskCanceledException("timeout", new TimeoutException()), new SocketException()),
            CancellationToken.None));

    [Fact]
    public void IsUnavailable_AggregateWithAnotherFailure_False() =>
        Assert.False(StorageFailures.IsUnavailable(new AggregateException(new RequestFailedException(0, "refused"), new InvalidOperationException()), CancellationToken.None));

    [Fact]
    public void IsUnavailable_CallerCancelled_False()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.False(StorageFailures.IsUnavailable(new TaskCanceledException("timeout", new TimeoutException()), cancelled.Token));
    }

    [Fact]
    public void IsUnavailable_UnrelatedException_False() =>
        Assert.False(StorageFailures.IsUnavailable(new InvalidOperationException("bug"), CancellationToken.None));
}
