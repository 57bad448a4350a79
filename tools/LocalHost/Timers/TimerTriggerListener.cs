using System.Text.Json;
using LocalHost.Configuration;
using LocalHost.Worker;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using NCrontab;

namespace LocalHost.Timers;

/// <summary>
/// Runs one timer trigger per its <c>schedule</c> (an NCrontab expression with seconds, six fields, as the
/// Functions host reads it; <c>%Setting%</c> references resolved): one invocation at each occurrence, never two
/// at once (a run that overruns its next occurrence skips it, like the host's singleton timer), and one at start
/// when <c>runOnStartup</c> is set. The worker gets the host's <c>TimerInfo</c> JSON (schedule status, past due).
/// Unlike the host, the schedule status is kept in memory, not in storage: a restart forgets the last run.
/// </summary>
internal sealed partial class TimerTriggerListener
{
    private readonly FunctionDescriptor _function;
    private readonly WorkerChannel _channel;
    private readonly InFlight _inFlight;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CrontabSchedule _schedule;
    private readonly bool _runOnStartup;
    private Task _loop = Task.CompletedTask;

    public TimerTriggerListener(FunctionDescriptor function, AppSettings settings, WorkerChannel channel, InFlight inFlight, TimeProvider time, ILogger logger)
    {
        _function = function;
        _channel = channel;
        _inFlight = inFlight;
        _time = time;
        _logger = logger;
        var trigger = function.Trigger!;
        Schedule = settings.Resolve(trigger.Property("schedule") ?? throw new InvalidOperationException($"Function {function.Name}: timerTrigger has no schedule."));
        _schedule = CrontabSchedule.TryParse(Schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
            ?? throw new InvalidOperationException($"Function {function.Name}: schedule '{Schedule}' is not a six-field cron expression (second minute hour day month day-of-week).");
        _runOnStartup = trigger.Json.TryGetProperty("runOnStartup", out var startup) && startup.ValueKind == JsonValueKind.True;
    }

    public string FunctionName => _function.Name;

    public string Schedule { get; }

    /// <summary>Completes when the timer has stopped (after <c>stopping</c> is cancelled) and its last run ended.</summary>
    public Task Completion => _loop;

    /// <summary>The next occurrence after <paramref name="after"/> (UTC).</summary>
    public DateTime NextAfter(DateTime after) => _schedule.GetNextOccurrence(after);

    public void Start(CancellationToken stopping) => _loop = Task.Run(() => RunAsync(stopping), CancellationToken.None);

    private async Task RunAsync(CancellationToken stopping)
    {
        DateTime? last = null;
        var now = _time.GetUtcNow().UtcDateTime;
        var next = NextAfter(now);
        if (_runOnStartup)
        {
            await InvokeAsync(last, next, pastDue: false);
            last = now;
        }

        while (!stopping.IsCancellationRequested)
        {
            now = _time.GetUtcNow().UtcDateTime;
            try
            {
                if (next > now)
                {
                    await Task.Delay(next - now, _time, stopping);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            // A delay can end a little before the clock reads the occurrence: the next one is always after this one.
            var due = next;
            now = _time.GetUtcNow().UtcDateTime;
            next = NextAfter(Later(now, due));
            await InvokeAsync(last, next, pastDue: now - due > TimeSpan.FromSeconds(1));
            last = due;

            // Occurrences that passed while the run was going are skipped, not queued up.
            next = NextAfter(Later(_time.GetUtcNow().UtcDateTime, due));
        }
    }

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;

    /// <summary>One run; never throws (a failed run is logged and the schedule goes on).</summary>
    private async Task InvokeAsync(DateTime? last, DateTime next, bool pastDue)
    {
        using var running = _inFlight.Enter();
        var request = Invocations.Create(_function);
        var timerInfo = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = new { Last = last ?? DateTime.MinValue, Next = next, LastUpdated = _time.GetUtcNow().UtcDateTime },
            IsPastDue = pastDue,
        });
        request.InputData.Add(new ParameterBinding { Name = _function.Trigger!.Name, Data = new TypedData { Json = timerInfo } });
        request.TriggerMetadata[_function.Trigger.Name] = new TypedData { Json = timerInfo };
        try
        {
            var response = await _channel.InvokeAsync(request, CancellationToken.None);
            var status = response.Result?.Status ?? StatusResult.Types.Status.Failure;
            LogRun(_logger, _function.Name, request.InvocationId, status,
                status == StatusResult.Types.Status.Success ? string.Empty : WorkerLog.Describe(response.Result?.Exception));
        }
        catch (WorkerUnavailableException e)
        {
            LogRun(_logger, _function.Name, request.InvocationId, StatusResult.Types.Status.Failure, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Timer {FunctionName} ({InvocationId}): {Status} {Error}")]
    private static partial void LogRun(ILogger logger, string functionName, string invocationId, StatusResult.Types.Status status, string error);
}
