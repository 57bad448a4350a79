using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace AgentFunctions.Testing;

/// <summary>
/// Starts the repository's pinned Azurite (node_modules/.bin/azurite, installed by ./test.sh),
/// in memory, on ports of 127.0.0.1 that Azurite picks itself (port 0) and reports; stops it when the tests
/// are done. Use as a collection or class fixture; each fixture is its own empty storage account.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120); // a hang guard: node starts slowly on a loaded machine
    private readonly StringBuilder _output = new();
    private readonly Dictionary<string, int> _listening = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;

    /// <summary>The Azurite (node) process, for benchmarks that account its CPU time.</summary>
    public int ProcessId => _process?.Id ?? 0;

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public async Task InitializeAsync()
    {
        var azurite = Path.Combine(RepositoryPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed at {azurite}. Run ./test.sh (it runs `npm ci`), or `npm ci` at the repository root; Node.js 20+ is required.");
        }

        // Port 0: the OS picks a free port as Azurite binds it, so no other process can take it in between;
        // Azurite prints the bound address once each service listens (also with --silent).
        var start = new ProcessStartInfo(azurite)
        {
            ArgumentList =
            {
                "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--loose",
                "--blobHost", "127.0.0.1", "--blobPort", "0",
                "--queueHost", "127.0.0.1", "--queuePort", "0",
                "--tableHost", "127.0.0.1", "--tablePort", "0",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited, Task.Delay(StartTimeout)).ConfigureAwait(false);
        if (first != _ready.Task)
        {
            var why = first == exited ? "exited during start-up" : $"did not report all three services listening within {StartTimeout.TotalSeconds} s";
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"Azurite {why}.\n{Output}");
        }

        lock (_output)
        {
            BlobPort = _listening["Blob"];
            QueuePort = _listening["Queue"];
            TablePort = _listening["Table"];
        }
    }

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

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
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
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _listening[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (_listening.Count == 3)
                {
                    _ready.TrySetResult();
                }
            }
        }
    }

    [GeneratedRegex(@"^Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://127\.0\.0\.1:(?<port>\d+)$")]
    private static partial Regex ListeningLine();
}
