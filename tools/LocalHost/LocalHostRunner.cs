using System.Net;
using LocalHost.Configuration;
using LocalHost.Http;
using LocalHost.Queues;
using LocalHost.Timers;
using LocalHost.Worker;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LocalHost;

/// <summary>
/// One local host: the gRPC endpoint the worker connects to, the worker process, the public HTTP
/// server routing by the worker's function metadata, one poller per queue trigger and one schedule per timer trigger.
/// Start order: gRPC endpoint, worker, handshake (init, metadata, load), HTTP, queues, timers.
/// Stop order: stop taking work, let running invocations finish (bounded), WorkerTerminate, kill.
/// </summary>
internal sealed partial class LocalHostRunner : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(5);

    private readonly LocalHostOptions _options;
    private readonly CancellationTokenSource _polling = new();
    private readonly List<QueueTriggerListener> _listeners = [];
    private readonly List<TimerTriggerListener> _timers = [];
    private readonly InFlight _inFlight = new();
    private readonly SemaphoreSlim _stopOnce = new(1, 1);
    private WebApplication? _rpc;
    private WebApplication? _public;
    private WorkerProcess? _worker;
    private HttpFunctionProxy? _proxy;
    private bool _stopped;

    private LocalHostRunner(LocalHostOptions options, ILoggerFactory loggers)
    {
        _options = options;
        Loggers = loggers;
        Logger = loggers.CreateLogger("LocalHost");
    }

    public ILoggerFactory Loggers { get; }

    public WorkerChannel Channel { get; private set; } = null!;

    public IReadOnlyDictionary<string, FunctionDescriptor> Functions { get; private set; } = new Dictionary<string, FunctionDescriptor>();

    public HostJson HostJson { get; private set; } = null!;

    /// <summary>The public base address, e.g. <c>http://127.0.0.1:7071</c>.</summary>
    public Uri BaseUri { get; private set; } = null!;

    public Uri? WorkerHttpUri { get; private set; }

    public int WorkerProcessId => _worker?.Id ?? 0;

    public Task WorkerExited => _worker?.Exited ?? Task.CompletedTask;

    private ILogger Logger { get; }

    public static async Task<LocalHostRunner> StartAsync(LocalHostOptions options, AppSettings settings, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var runner = new LocalHostRunner(options, loggers);
        try
        {
            await runner.StartCoreAsync(settings, cancellationToken);
            return runner;
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the worker without ceremony (process exit, fatal errors).</summary>
    public void KillWorker() => _worker?.Kill();

    public async Task StopAsync()
    {
        await _stopOnce.WaitAsync();
        try
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            LogStopping(Logger, _inFlight.Count);
            await _polling.CancelAsync();
            using var drain = new CancellationTokenSource(_options.DrainTimeout);
            var httpStopped = _public?.StopAsync(drain.Token) ?? Task.CompletedTask;
            await Task.WhenAll(_listeners.Select(l => l.Completion).Concat(_timers.Select(t => t.Completion)));
            if (!await _inFlight.WaitIdleAsync(_options.DrainTimeout))
            {
                LogDrainTimedOut(Logger, _inFlight.Count, _options.DrainTimeout.TotalSeconds);
            }

            await httpStopped;
            if (_worker is not null)
            {
                if (!_worker.Exited.IsCompleted)
                {
                    Channel.Terminate(TerminateGrace);
                }

                await _worker.StopAsync(TerminateGrace + TimeSpan.FromSeconds(1));
                LogWorkerStopped(Logger, _worker.Id);
            }

            if (_rpc is not null)
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _rpc.StopAsync(quick.Token);
            }
        }
        finally
        {
            _stopOnce.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _worker?.Dispose();
        _proxy?.Dispose();
        if (_public is not null)
        {
            await _public.DisposeAsync();
        }

        if (_rpc is not null)
        {
            await _rpc.DisposeAsync();
        }

        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        _polling.Dispose();
        _stopOnce.Dispose();
    }

    private async Task StartCoreAsync(AppSettings settings, CancellationToken cancellationToken)
    {
        HostJson = HostJson.Load(_options.AppDirectory, settings.All);

        // 1. The endpoint the worker connects to: HTTP/2 without TLS on a port the OS picks.
        var rpc = CreateBuilder();
        rpc.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        rpc.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = null;
            o.MaxSendMessageSize = null;
        });
        Channel = new WorkerChannel(Loggers.CreateLogger<WorkerChannel>());
        rpc.Services.AddSingleton(Channel);
        _rpc = rpc.Build();
        _rpc.MapGrpcService<FunctionRpcService>();
        await _rpc.StartAsync(cancellationToken);
        var rpcUri = ListeningOn(_rpc);

        // 2. The worker, and the handshake: StartStream -> init -> metadata -> load.
        var workerId = Guid.NewGuid().ToString();
        _worker = WorkerProcess.Start(_options, settings, rpcUri, workerId, Loggers.CreateLogger("Worker"));
        LogWorkerStarted(Logger, _worker.Id, _options.AppAssembly);
        await Channel.WaitForConnectionAsync(ConnectTimeout, _worker.Exited).WaitAsync(cancellationToken);
        var init = await Channel.InitializeAsync(_options.AppDirectory, cancellationToken);
        var metadata = await Channel.GetFunctionMetadataAsync(_options.AppDirectory, cancellationToken);
        var functions = metadata.Select(FunctionDescriptor.From).ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        await Task.WhenAll(functions.Values.Select(f => Channel.LoadAsync(f, cancellationToken)));
        Functions = functions;
        LogLoaded(Logger, functions.Count, init.WorkerMetadata?.RuntimeName ?? "worker", init.WorkerMetadata?.WorkerVersion ?? "?");

        // 3. HTTP: every route of the worker's HTTP functions, forwarded to the worker's own endpoint.
        if (init.Capabilities.TryGetValue("HttpUri", out var httpUri))
        {
            WorkerHttpUri = new Uri(httpUri);
        }
        else if (functions.Values.Any(f => f.IsHttp))
        {
            throw new WorkerUnavailableException(
                "The worker has HTTP functions but reports no HttpUri capability: LocalHost only emulates ASP.NET Core integration (ConfigureFunctionsWebApplication).");
        }

        var web = CreateBuilder();
        web.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _options.Port, l => l.Protocols = HttpProtocols.Http1));
        web.Services.AddSingleton(Channel);
        _public = web.Build();
        if (WorkerHttpUri is not null)
        {
            _proxy = new HttpFunctionProxy(Channel, WorkerHttpUri, _inFlight, Loggers.CreateLogger<HttpFunctionProxy>());
            foreach (var function in functions.Values.Where(f => f.IsHttp))
            {
                var route = HttpRoute(function);
                var methods = HttpMethods(function);
                var endpoint = methods is null
                    ? _public.Map(route, context => _proxy.ForwardAsync(context, function))
                    : _public.MapMethods(route, methods, context => _proxy.ForwardAsync(context, function));
                endpoint.WithDisplayName(function.Name);
            }
        }

        AdminEndpoints.Map(_public, functions, Channel, _inFlight, Status);
        await _public.StartAsync(cancellationToken);
        BaseUri = ListeningOn(_public);

        // 4. Queue triggers.
        foreach (var function in functions.Values.Where(f => f.IsQueue))
        {
            var listener = new QueueTriggerListener(function, settings, HostJson.Queues, Channel, _inFlight, Loggers.CreateLogger<QueueTriggerListener>());
            await listener.StartAsync(_polling.Token);
            _listeners.Add(listener);
        }

        // 5. Timer triggers.
        foreach (var function in functions.Values.Where(f => f.IsTimer))
        {
            var timer = new TimerTriggerListener(function, settings, Channel, _inFlight, TimeProvider.System, Loggers.CreateLogger<TimerTriggerListener>());
            timer.Start(_polling.Token);
            _timers.Add(timer);
        }

        foreach (var function in functions.Values.Where(f => !f.IsHttp && !f.IsQueue && !f.IsTimer))
        {
            LogUnsupportedTrigger(Logger, function.Name, function.Trigger?.Type ?? "none");
        }
    }

    /// <summary>Lines for the console, like Core Tools prints them.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var function in Functions.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (function.IsHttp)
            {
                var methods = HttpMethods(function) is { } m ? string.Join(',', m) : "ALL";
                yield return $"  {function.Name}: [{methods}] {new Uri(BaseUri, HttpRoute(function).TrimStart('/'))}";
            }
            else if (function.IsQueue)
            {
                var queue = _listeners.First(l => l.FunctionName == function.Name).QueueName;
                yield return $"  {function.Name}: queueTrigger ({queue}); run once: POST {new Uri(BaseUri, "admin/functions/" + function.Name)}";
            }
            else if (function.IsTimer)
            {
                var schedule = _timers.First(t => t.FunctionName == function.Name).Schedule;
                yield return $"  {function.Name}: timerTrigger ({schedule}); run once: POST {new Uri(BaseUri, "admin/functions/" + function.Name)}";
            }
            else
            {
                yield return $"  {function.Name}: {function.Trigger?.Type ?? "no trigger"} (not emulated)";
            }
        }
    }

    private object Status() => new
    {
        state = _stopped ? "Stopping" : "Running",
        workerProcessId = WorkerProcessId,
        workerHttpUri = WorkerHttpUri?.ToString(),
        inFlight = _inFlight.Count,
        functions = Functions.Values
            .Select(f => new { name = f.Name, trigger = f.Trigger?.Type, route = f.IsHttp ? HttpRoute(f) : null, methods = f.IsHttp ? HttpMethods(f) : null })
            .OrderBy(f => f.name, StringComparer.Ordinal),
    };

    private string HttpRoute(FunctionDescriptor function)
    {
        var route = function.Trigger!.Property("route") ?? function.Name;
        return "/" + string.Join('/', new[] { HostJson.RoutePrefix, route.Trim('/') }.Where(s => s.Length > 0));
    }

    private static string[]? HttpMethods(FunctionDescriptor function)
    {
        if (!function.Trigger!.Json.TryGetProperty("methods", out var methods) || methods.ValueKind != System.Text.Json.JsonValueKind.Array || methods.GetArrayLength() == 0)
        {
            return null;
        }

        return methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToArray();
    }

    private WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(Loggers);
        // Signals are handled once, by Program: no per-server console lifetime.
        builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = _options.DrainTimeout);
        return builder;
    }

    private static Uri ListeningOn(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private sealed class ManualLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker process {Pid} started: {Assembly}")]
    private static partial void LogWorkerStarted(ILogger logger, int pid, string assembly);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} functions loaded in {Runtime} {Version}")]
    private static partial void LogLoaded(ILogger logger, int count, string runtime, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionName} has a {TriggerType} trigger, which LocalHost does not emulate; only POST /admin/functions/{FunctionName} runs it")]
    private static partial void LogUnsupportedTrigger(ILogger logger, string functionName, string triggerType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: no new requests or messages; {InFlight} invocations running")]
    private static partial void LogStopping(ILogger logger, int inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{InFlight} invocations still running after {Seconds} s; stopping the worker anyway")]
    private static partial void LogDrainTimedOut(ILogger logger, int inFlight, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker process {Pid} stopped")]
    private static partial void LogWorkerStopped(ILogger logger, int pid);
}
