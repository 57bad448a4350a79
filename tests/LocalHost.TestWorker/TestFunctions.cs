using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace LocalHost.TestWorker;

public sealed class TestFunctions(QueueServiceClient queues)
{
    /// <summary>Where the queue function reports every attempt, for the tests to read.</summary>
    public const string AttemptsQueue = "attempts";

    /// <summary>Where the timer function reports every run, for the tests to read.</summary>
    public const string TicksQueue = "ticks";

    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new(StringComparer.Ordinal);

    [Function(nameof(Echo))]
    public static IActionResult Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{id:int}")] HttpRequest request, int id) =>
        new OkObjectResult(new { id, query = request.Query["q"].ToString(), path = request.Path.Value });

    /// <summary>Writes one event, waits until the test opens the gate, then writes the last one.</summary>
    [Function(nameof(Stream))]
    public static async Task Stream(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "stream/{gate}")] HttpRequest request, string gate)
    {
        var response = request.HttpContext.Response;
        response.ContentType = "text/event-stream";
        await response.WriteAsync("data: first\n\n");
        await response.Body.FlushAsync();
        await Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(30));
        await response.WriteAsync("data: last\n\n");
    }

    /// <summary>Writes one event, works for <paramref name="ms"/> milliseconds, then writes the last one.</summary>
    [Function(nameof(Slow))]
    public static async Task Slow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow/{ms:int}")] HttpRequest request, int ms)
    {
        var response = request.HttpContext.Response;
        response.ContentType = "text/event-stream";
        await response.WriteAsync("data: first\n\n");
        await response.Body.FlushAsync();
        await Task.Delay(ms);
        await response.WriteAsync("data: last\n\n");
    }

    [Function(nameof(OpenGate))]
    public static IActionResult OpenGate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "stream/{gate}/open")] HttpRequest request, string gate)
    {
        Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return new NoContentResult();
    }

    /// <summary>Reports what it received; a message starting with "fail" throws after reporting.</summary>
    [Function(nameof(Work))]
    public async Task Work([QueueTrigger("%WORK_QUEUE%")] string message, FunctionContext context)
    {
        var data = context.BindingContext.BindingData;
        var report = JsonSerializer.Serialize(new
        {
            message,
            id = data.GetValueOrDefault("Id")?.ToString(),
            dequeueCount = data.GetValueOrDefault("DequeueCount")?.ToString(),
            insertionTime = data.GetValueOrDefault("InsertionTime")?.ToString(),
            popReceipt = data.GetValueOrDefault("PopReceipt")?.ToString(),
        });
        var attempts = queues.GetQueueClient(AttemptsQueue);
        await attempts.CreateIfNotExistsAsync();
        await attempts.SendMessageAsync(report);
        if (message.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Failing as asked.");
        }
    }

    /// <summary>Reports each run with the schedule status the host passed.</summary>
    [Function(nameof(Tick))]
    public async Task Tick([TimerTrigger("%TICK_SCHEDULE%")] TimerInfo timer)
    {
        var ticks = queues.GetQueueClient(TicksQueue);
        await ticks.CreateIfNotExistsAsync();
        await ticks.SendMessageAsync(JsonSerializer.Serialize(new
        {
            at = DateTime.UtcNow,
            last = timer.ScheduleStatus?.Last,
            next = timer.ScheduleStatus?.Next,
            pastDue = timer.IsPastDue,
        }));
    }
}
