using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace AgentFunctions.Testing;

/// <summary>
/// Starts Azurite, then the built local host (tools/LocalHost) with a real worker process, on free
/// ports of 127.0.0.1, once per fixture; stops both on dispose (SIGTERM, like Ctrl-C) and fails if
/// the worker outlives the host. Set <see cref="Environment"/> in the constructor of a derived
/// fixture (or before <see cref="InitializeAsync"/>) to configure the app. For the AgentFunctions app,
/// <see cref="Client"/> checks every response against the OpenAPI document the app serves
/// (<see cref="OpenApiContract"/>), unless <see cref="CheckResponsesAgainstOpenApi"/> is turned off.
/// </summary>
public partial class LocalHostFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Match> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _ownsAzurite;
    private Process? _host;

    /// <param name="appAssembly">The worker's .dll, e.g. from <see cref="RepositoryPaths.BuildOutput"/>.</param>
    public LocalHostFixture(string appAssembly)
    {
        AppAssembly = appAssembly;
        Azurite = new AzuriteFixture();
        _ownsAzurite = true;
    }

    /// <summary>A second host on another fixture's storage (e.g. to take over after a crash); that fixture keeps owning it.</summary>
    public LocalHostFixture(string appAssembly, AzuriteFixture sharedAzurite)
    {
        AppAssembly = appAssembly;
        Azurite = sharedAzurite;
    }

    /// <param name="appAssembly">The worker's .dll, e.g. <see cref="AgentFunctionsAssembly"/>.</param>
    /// <param name="environment">App settings on top of the test process's environment; an empty value sets the setting empty (= unset for most settings).</param>
    public LocalHostFixture(string appAssembly, IEnumerable<KeyValuePair<string, string?>> environment)
        : this(appAssembly)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var (key, value) in environment)
        {
            Environment[key] = value;
        }
    }

    /// <summary>The worker app built by the solution for the tests' configuration.</summary>
    public static string AgentFunctionsAssembly => RepositoryPaths.BuildOutput("src/AgentFunctions", "AgentFunctions.dll");

    public string AppAssembly { get; }

    public AzuriteFixture Azurite { get; }

    /// <summary>App settings for the worker and the host (AzureWebJobsStorage is set to this fixture's Azurite).</summary>
    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>
    /// Whether <see cref="Client"/> checks responses against the app's OpenAPI document (<c>GET /api/openapi.json</c>).
    /// On by default for the AgentFunctions app; benchmarks turn it off so they measure the app, not the check.
    /// </summary>
    public bool CheckResponsesAgainstOpenApi { get; set; } = true;

    /// <summary>The app's OpenAPI document as a contract, when <see cref="CheckResponsesAgainstOpenApi"/> applies.</summary>
    public OpenApiContract? Contract { get; private set; }

    public int HostProcessId => _host?.Id ?? 0;

    public int WorkerProcessId { get; private set; }

    public int? HostExitCode { get; private set; }

    /// <summary>From starting the host process to its ready line (worker started, functions loaded, listening).</summary>
    public TimeSpan StartupTime { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public virtual async Task InitializeAsync()
    {
        if (_ownsAzurite)
        {
            await Azurite.InitializeAsync();
        }

        var localHost = RepositoryPaths.BuildOutput("tools/LocalHost", "LocalHost.dll");
        if (!File.Exists(AppAssembly))
        {
            throw new InvalidOperationException($"The worker app {AppAssembly} is not built; build the solution first (./test.sh does).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { localHost, "--app", AppAssembly, "--port", "0", "--drain-timeout", "10" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.Environment["AzureWebJobsStorage"] = Azurite.ConnectionString;
        start.Environment.Remove("PORT");
        if (AppAssembly == AgentFunctionsAssembly)
        {
            // The app's timer trigger needs its schedule setting, as in Azure: yearly unless a test sets its own.
            start.Environment["RETENTION_SWEEP_SCHEDULE"] = "0 0 0 1 1 *";
        }

        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        _host = Process.Start(start) ?? throw new InvalidOperationException("LocalHost did not start.");
        _host.OutputDataReceived += (_, e) => Append(e.Data);
        _host.ErrorDataReceived += (_, e) => Append(e.Data);
        _host.BeginOutputReadLine();
        _host.BeginErrorReadLine();

        var exited = _host.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited, Task.Delay(StartTimeout));
        if (first != _ready.Task)
        {
            var why = first == exited ? "exited during start-up" : $"was not ready within {StartTimeout.TotalSeconds} s";
            await KillAsync();
            throw new InvalidOperationException($"LocalHost {why}.\n{Output}");
        }

        var ready = await _ready.Task;
        StartupTime = clock.Elapsed;
        BaseAddress = new Uri(ready.Groups["url"].Value + "/");
        WorkerProcessId = int.Parse(ready.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (CheckResponsesAgainstOpenApi && AppAssembly == AgentFunctionsAssembly)
        {
            using var plain = new HttpClient { BaseAddress = BaseAddress };
            Contract = new OpenApiContract(await plain.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative)));
        }

        Client = CreateClient(new SocketsHttpHandler());
    }

    /// <summary>A client of this host over <paramref name="handler"/> (disposed with the client), checked against the OpenAPI document like <see cref="Client"/>.</summary>
    public HttpClient CreateClient(HttpMessageHandler handler) =>
        new(Contract is null ? handler : new OpenApiContractHandler(Contract, handler)) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>SIGTERM to the host, as Ctrl-C or a service manager would; waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_host is null || _host.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _host.WaitForExitAsync(timeout.Token);
            HostExitCode = _host.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new InvalidOperationException($"LocalHost did not exit within 30 s of SIGTERM.\n{Output}");
        }
    }

    /// <summary>True while a process with the worker's id is alive.</summary>
    public bool WorkerIsRunning()
    {
        try
        {
            using var process = Process.GetProcessById(WorkerProcessId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public virtual async Task DisposeAsync()
    {
        Client?.Dispose();
        try
        {
            await StopAsync();
            if (WorkerProcessId != 0 && WorkerIsRunning())
            {
                using var orphan = Process.GetProcessById(WorkerProcessId);
                orphan.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"The worker (pid {WorkerProcessId}) outlived LocalHost.\n{Output}");
            }
        }
        finally
        {
            await KillAsync();
            _host?.Dispose();
            if (_ownsAzurite)
            {
                await Azurite.DisposeAsync();
            }
        }
    }

    private async Task KillAsync()
    {
        if (_host is { HasExited: false })
        {
            _host.Kill(entireProcessTree: true);
            await _host.WaitForExitAsync();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ReadyLine().Match(line) is { Success: true } match)
        {
            _ready.TrySetResult(match);
        }
    }

    [GeneratedRegex(@"^LocalHost ready: (?<url>http://\S+) \(worker pid (?<pid>\d+)")]
    private static partial Regex ReadyLine();
}
