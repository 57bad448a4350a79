using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>
/// The host side of the one bidirectional stream (<c>FunctionRpc/EventStream</c>) the worker opens:
/// requests out through a single writer, responses matched back to their request by id.
/// </summary>
internal sealed partial class WorkerChannel(ILogger<WorkerChannel> logger)
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<string> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private int _attached;

    /// <summary>Completes when the worker's stream ends (the worker exited or dropped the connection).</summary>
    public Task Disconnected => _disconnected.Task;

    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>Runs for the lifetime of the worker's EventStream call.</summary>
    public async Task AttachAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _attached, 1) == 1)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "A worker is already connected to this host."));
        }

        var writer = Task.Run(async () =>
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }, cancellationToken);

        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                Dispatch(requests.Current);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or RpcException)
        {
            // The worker went away; pending requests fail below.
        }
        finally
        {
            _disconnected.TrySetResult();
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new WorkerUnavailableException("The worker disconnected before it answered."));
            }
        }

        _outbound.Writer.TryComplete();
        try
        {
            await writer;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            // Nothing more can be sent to a worker that is gone.
        }
    }

    public async Task<string> WaitForConnectionAsync(TimeSpan timeout, Task workerExited)
    {
        var first = await Task.WhenAny(_connected.Task, workerExited, Task.Delay(timeout));
        return first == _connected.Task ? await _connected.Task
            : first == workerExited ? throw new WorkerUnavailableException("The worker exited before it connected (see its output above).")
            : throw new WorkerUnavailableException($"The worker did not connect within {timeout.TotalSeconds:F0} s.");
    }

    public async Task<WorkerInitResponse> InitializeAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var request = new WorkerInitRequest { HostVersion = "4.0.0-localhost", WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory };
        var response = (await RequestAsync(new StreamingMessage { WorkerInitRequest = request }, cancellationToken)).WorkerInitResponse;
        ThrowIfFailed(response.Result, "Worker initialization");
        Capabilities = new Dictionary<string, string>(response.Capabilities, StringComparer.Ordinal);
        return response;
    }

    public async Task<IReadOnlyList<RpcFunctionMetadata>> GetFunctionMetadataAsync(string appDirectory, CancellationToken cancellationToken)
    {
        var response = (await RequestAsync(new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } }, cancellationToken)).FunctionMetadataResponse;
        ThrowIfFailed(response.Result, "Function indexing");
        if (response.UseDefaultMetadataIndexing)
        {
            throw new WorkerUnavailableException("The worker asks the host to index functions from function.json files; LocalHost only supports worker indexing (isolated worker SDK 1.x+ default).");
        }

        return response.FunctionMetadataResults;
    }

    public async Task LoadAsync(FunctionDescriptor function, CancellationToken cancellationToken)
    {
        var request = new FunctionLoadRequest { FunctionId = function.Id, Metadata = function.Metadata };
        var response = (await RequestAsync(new StreamingMessage { FunctionLoadRequest = request }, cancellationToken, key: "load:" + function.Id)).FunctionLoadResponse;
        ThrowIfFailed(response.Result, $"Loading function {function.Name}");
    }

    /// <summary>Sends the invocation and waits for its response. Cancelling stops the wait and tells the worker.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (await RequestAsync(new StreamingMessage { InvocationRequest = request }, cancellationToken, key: "invocation:" + request.InvocationId)).InvocationResponse;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _outbound.Writer.TryWrite(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } });
            throw;
        }
    }

    /// <summary>Asks the worker to shut down; the caller still kills it if it lingers.</summary>
    public void Terminate(TimeSpan gracePeriod)
    {
        _outbound.Writer.TryWrite(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });
    }

    private async Task<StreamingMessage> RequestAsync(StreamingMessage message, CancellationToken cancellationToken, string? key = null)
    {
        message.RequestId = Guid.NewGuid().ToString();
        key ??= message.ContentCase + ":" + message.RequestId;
        var pending = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(key, pending))
        {
            throw new InvalidOperationException($"A request '{key}' is already waiting for the worker.");
        }

        try
        {
            if (_disconnected.Task.IsCompleted || !_outbound.Writer.TryWrite(message))
            {
                throw new WorkerUnavailableException("The worker is not connected.");
            }

            return await pending.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                _connected.TrySetResult(message.StartStream.WorkerId);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                WorkerLog.Write(logger, message.RpcLog);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                Complete("invocation:" + message.InvocationResponse.InvocationId, message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                Complete("load:" + message.FunctionLoadResponse.FunctionId, message);
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                Complete(StreamingMessage.ContentOneofCase.WorkerInitRequest + ":" + message.RequestId, message);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                Complete(StreamingMessage.ContentOneofCase.FunctionsMetadataRequest + ":" + message.RequestId, message);
                break;
            default:
                LogIgnored(logger, message.ContentCase);
                break;
        }
    }

    private void Complete(string key, StreamingMessage message)
    {
        if (_pending.TryGetValue(key, out var pending))
        {
            pending.TrySetResult(message);
        }
        else
        {
            LogUnmatched(logger, message.ContentCase, key);
        }
    }

    private static void ThrowIfFailed(StatusResult? result, string what)
    {
        if (result is { Status: StatusResult.Types.Status.Failure })
        {
            throw new WorkerUnavailableException($"{what} failed in the worker: {result.Exception?.Message}\n{result.Exception?.StackTrace}");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {MessageType} message from the worker")]
    private static partial void LogIgnored(ILogger logger, StreamingMessage.ContentOneofCase messageType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker sent a {MessageType} ({Key}) that nothing waits for")]
    private static partial void LogUnmatched(ILogger logger, StreamingMessage.ContentOneofCase messageType, string key);
}

/// <summary>The worker is gone, never came, or refused a protocol step.</summary>
internal sealed class WorkerUnavailableException(string message) : Exception(message);

/// <summary>The gRPC endpoint the worker connects to (its <c>--functions-uri</c>).</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.AttachAsync(requestStream, responseStream, context.CancellationToken);
}
