// LocalHost: a development host for the AgentFunctions worker without Azure Functions Core Tools.
// Speaks the Functions host-worker gRPC protocol to the real worker process; see docs/local-host.md
// for what it emulates and what it does not. Production runs on Azure Functions.
using System.Diagnostics;
using System.Runtime.InteropServices;
using LocalHost;
using LocalHost.Configuration;
using LocalHost.Worker;

var started = Stopwatch.StartNew();
var environment = AppSettings.ProcessEnvironment();
LocalHostOptions options;
AppSettings settings;
try
{
    options = LocalHostOptions.Parse(args, environment);
    settings = AppSettings.Load(options.AppDirectory, environment);
}
catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or IOException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using var loggers = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss.fff ";
    })
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
    .AddFilter("Microsoft.Hosting", LogLevel.Warning)
    .AddFilter("Grpc", LogLevel.Warning));

using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

LocalHostRunner runner;
try
{
    runner = await LocalHostRunner.StartAsync(options, settings, loggers, stop.Token);
}
catch (Exception e) when (e is WorkerUnavailableException or InvalidOperationException or OperationCanceledException or IOException)
{
    Console.Error.WriteLine(stop.IsCancellationRequested ? "LocalHost: stopped during start-up." : $"LocalHost: start-up failed: {e.Message}");
    return stop.IsCancellationRequested ? 0 : 1;
}

await using (runner)
{
    AppDomain.CurrentDomain.ProcessExit += (_, _) => runner.KillWorker();
    Console.WriteLine();
    Console.WriteLine("Functions:");
    foreach (var line in runner.Describe())
    {
        Console.WriteLine(line);
    }

    Console.WriteLine();
    // Machine-readable: scripts and test fixtures wait for this line.
    Console.WriteLine($"LocalHost ready: {runner.BaseUri.ToString().TrimEnd('/')} (worker pid {runner.WorkerProcessId}, started in {started.ElapsedMilliseconds} ms)");

    var signalled = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    var workerDied = await Task.WhenAny(signalled, runner.WorkerExited) != signalled;
    if (workerDied)
    {
        Console.Error.WriteLine("LocalHost: the worker process exited unexpectedly; stopping.");
    }

    await runner.StopAsync();
    Console.WriteLine("LocalHost stopped.");
    return workerDied ? 1 : 0;
}
