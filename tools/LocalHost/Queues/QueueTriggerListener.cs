using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using LocalHost.Configuration;
using LocalHost.Worker;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace LocalHost.Queues;

/// <summary>
/// Polls one queue trigger's queue as the real host's queue listener does (host.json
/// <c>extensions.queues</c>): batches of <c>batchSize</c>, a new batch once at most
/// <c>newBatchThreshold</c> messages are running, randomized exponential back-off up to
/// <c>maxPollingInterval</c> while the queue is empty; delete on success, visible again after
/// <c>visibilityTimeout</c> on failure, and <c>{queue}-poison</c> after <c>maxDequeueCount</c> attempts.
/// </summary>
internal sealed partial class QueueTriggerListener : IDisposable
{
    /// <summary>
    /// How long a fetched message stays invisible while it runs; renewed at half time. Short, so a message whose
    /// failure could not be recorded (storage down) is retried soon after storage is back.
    /// </summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    private readonly FunctionDescriptor _function;
    private readonly QueueTriggerOptions _options;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly WorkerChannel _channel;
    private readonly InFlight _inFlight;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;

    /// <summary>
    /// Signalled when a message finishes (an auto-reset event: at most one signal is kept): the poll loop waits on it
    /// while more than newBatchThreshold messages run.
    /// </summary>
    private readonly SemaphoreSlim _finished = new(0, 1);
    private Task _loop = Task.CompletedTask;

    public QueueTriggerListener(FunctionDescriptor function, AppSettings settings, QueueTriggerOptions options, WorkerChannel channel, InFlight inFlight, ILogger logger)
    {
        _function = function;
        _options = options;
        _channel = channel;
        _inFlight = inFlight;
        _logger = logger;
        var trigger = function.Trigger!;
        QueueName = settings.Resolve(trigger.Property("queueName") ?? throw new InvalidOperationException($"Function {function.Name}: queueTrigger has no queueName."));
        // Seconds per try and few retries (the SDK's default is 100 s per try): a storage outage is noticed, logged and polled through.
        var clientOptions = new QueueClientOptions
        {
            MessageEncoding = QueueMessageEncoding.None,
            Retry = { NetworkTimeout = TimeSpan.FromSeconds(4), MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(2) },
        };
        var service = new QueueServiceClient(settings.StorageConnection(trigger.Property("connection")), clientOptions);
        _queue = service.GetQueueClient(QueueName);
        _poison = service.GetQueueClient(QueueName + "-poison");

        // Fetch again once the running count drops to newBatchThreshold: batchSize + threshold in flight at most.
        _slots = new SemaphoreSlim(options.BatchSize + options.NewBatchThreshold);
    }

    public string QueueName { get; }

    public void Dispose()
    {
        _slots.Dispose();
        _finished.Dispose();
    }

    public string FunctionName => _function.Name;

    public async Task StartAsync(CancellationToken stopping)
    {
        await _queue.CreateIfNotExistsAsync(cancellationToken: stopping);
        _loop = Task.Run(() => PollAsync(stopping), CancellationToken.None);
    }

    /// <summary>Completes when polling has stopped (after <c>stopping</c> is cancelled).</summary>
    public Task Completion => _loop;

    private async Task PollAsync(CancellationToken stopping)
    {
        var delay = MinPollingInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Wait until at most newBatchThreshold messages are still running: woken as each one finishes, as the real
                // host's listener is, not on a timer (a sleeping listener leaves the worker idle once its messages are done).
                var running = _options.BatchSize + _options.NewBatchThreshold - _slots.CurrentCount;
                if (running > _options.NewBatchThreshold)
                {
                    await _finished.WaitAsync(MinPollingInterval, stopping);
                    continue;
                }

                var batch = await _queue.ReceiveMessagesAsync(_options.BatchSize, Lease, stopping);
                if (batch.Value.Length == 0)
                {
                    await Task.Delay(Jitter(delay), stopping);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(_options.MaxPollingInterval.Ticks, MinPollingInterval.Ticks)));
                    continue;
                }

                delay = MinPollingInterval;
                foreach (var message in batch.Value)
                {
                    await _slots.WaitAsync(CancellationToken.None);
                    _ = ProcessAsync(message);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever storage throws (the SDK's errors, its retry aggregate, its timeouts, even a raw socket error) must not end polling.
                LogPollFailed(_logger, QueueName, (e as RequestFailedException)?.Status ?? 0, (e as RequestFailedException)?.ErrorCode ?? e.Message);
                await DelayQuietly(_options.MaxPollingInterval > TimeSpan.Zero ? _options.MaxPollingInterval : TimeSpan.FromSeconds(1), stopping);
            }
        }
    }

    /// <summary>Runs one message; never throws (a message always ends deleted, released or poisoned).</summary>
    private async Task ProcessAsync(QueueMessage message)
    {
        using var running = _inFlight.Enter();
        var receipt = new Receipt(message.PopReceipt);
        using var renewing = new CancellationTokenSource();
        var renewal = RenewAsync(message, receipt, renewing.Token);
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                await PoisonAsync(message, receipt, "it was dequeued more often than maxDequeueCount");
                return;
            }

            if (!TryDecode(message, out var body))
            {
                await PoisonAsync(message, receipt, "its body is not valid base64 (host.json extensions.queues.messageEncoding is base64)");
                return;
            }

            var response = await InvokeAsync(message, body);
            await renewing.CancelAsync();
            await renewal;
            if (response.Result?.Status == StatusResult.Types.Status.Success)
            {
                await _queue.DeleteMessageAsync(message.MessageId, receipt.Value);
                return;
            }

            LogInvocationFailed(_logger, _function.Name, message.MessageId, message.DequeueCount, _options.MaxDequeueCount, WorkerLog.Describe(response.Result?.Exception));
            if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                await PoisonAsync(message, receipt, $"it failed {message.DequeueCount} times (maxDequeueCount)");
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: _options.VisibilityTimeout);
            }
        }
        catch (Exception e) when (e is WorkerUnavailableException || IsStorageFailure(e))
        {
            // The message reappears when its lease ends and is retried then.
            LogSettleFailed(_logger, _function.Name, message.MessageId, e.Message);
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
            _slots.Release();
            Signal(_finished);
        }
    }

    private static void Signal(SemaphoreSlim gate)
    {
        try
        {
            gate.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the poll loop has not woken for the previous one yet.
        }
    }

    private Task<InvocationResponse> InvokeAsync(QueueMessage message, byte[] body)
    {
        var trigger = _function.Trigger!;
        var binary = string.Equals(trigger.Property("dataType"), "binary", StringComparison.OrdinalIgnoreCase);
        var text = Encoding.UTF8.GetString(body);
        var request = Invocations.Create(_function);
        request.InputData.Add(new ParameterBinding
        {
            Name = trigger.Name,
            Data = binary ? new TypedData { Bytes = Google.Protobuf.ByteString.CopyFrom(body) } : new TypedData { String = text },
        });

        // The queue trigger's binding data, typed as the real host sends it (strings, JSON for the rest).
        var metadata = request.TriggerMetadata;
        metadata["QueueTrigger"] = new TypedData { String = text };
        metadata["Id"] = new TypedData { String = message.MessageId };
        metadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        metadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        metadata["InsertionTime"] = Json(message.InsertedOn);
        metadata["ExpirationTime"] = Json(message.ExpiresOn);
        metadata["NextVisibleTime"] = Json(message.NextVisibleOn);
        return _channel.InvokeAsync(request, CancellationToken.None);

        static TypedData Json(DateTimeOffset? value) => new() { Json = JsonSerializer.Serialize(value) };
    }

    private bool TryDecode(QueueMessage message, out byte[] body)
    {
        var text = message.Body.ToString();
        if (!_options.Base64Messages)
        {
            body = Encoding.UTF8.GetBytes(text);
            return true;
        }

        body = new byte[text.Length];
        if (Convert.TryFromBase64String(text, body, out var length))
        {
            body = body[..length];
            return true;
        }

        return false;
    }

    /// <summary>Copies the message, unchanged, to <c>{queue}-poison</c> and deletes it, as the host does.</summary>
    private async Task PoisonAsync(QueueMessage message, Receipt receipt, string reason)
    {
        await _poison.CreateIfNotExistsAsync();
        await _poison.SendMessageAsync(message.Body.ToString());
        await _queue.DeleteMessageAsync(message.MessageId, receipt.Value);
        LogPoisoned(_logger, _function.Name, message.MessageId, _poison.Name, reason);
    }

    /// <summary>Keeps a long-running message invisible; its pop receipt changes with each renewal.</summary>
    private async Task RenewAsync(QueueMessage message, Receipt receipt, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Lease / 2, stop);
                var updated = await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: Lease, cancellationToken: stop);
                receipt.Value = updated.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            LogSettleFailed(_logger, _function.Name, message.MessageId, e.Message);
        }
    }

    /// <summary>
    /// What a storage call throws when storage refuses, hangs or fails: the SDK's error, its "retry failed" aggregate,
    /// its network timeout (a cancellation nobody asked for; the callers' own stop is handled before this), or a socket error
    /// that escapes the SDK unwrapped.
    /// </summary>
    private static bool IsStorageFailure(Exception e) =>
        e is RequestFailedException or AggregateException or TimeoutException or OperationCanceledException or IOException or System.Net.Sockets.SocketException or HttpRequestException;

    private static TimeSpan Jitter(TimeSpan delay) =>
        TimeSpan.FromTicks((long)(delay.Ticks * (0.8 + (0.4 * Random.Shared.NextDouble()))));

    private static async Task DelayQuietly(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, stopping);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private sealed class Receipt(string value)
    {
        public string Value { get; set; } = value;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling queue {QueueName} failed: {Status} {Error}")]
    private static partial void LogPollFailed(ILogger logger, string queueName, int status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionName} failed for message {MessageId} (attempt {DequeueCount} of {MaxDequeueCount}): {Reason}")]
    private static partial void LogInvocationFailed(ILogger logger, string functionName, string messageId, long dequeueCount, int maxDequeueCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionName}: message {MessageId} moved to {PoisonQueue} because {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string functionName, string messageId, string poisonQueue, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionName}: could not settle message {MessageId}: {Reason}")]
    private static partial void LogSettleFailed(ILogger logger, string functionName, string messageId, string reason);
}
