using System.Globalization;

namespace LocalHost.Configuration;

/// <summary>Command line of the local host (environment variables where the switch is absent).</summary>
internal sealed record LocalHostOptions(string AppDirectory, string AppAssembly, int Port, TimeSpan DrainTimeout)
{
    public const string Usage =
        "usage: LocalHost --app <path to the worker's .dll or its output folder> [--port N (PORT, default 7071; 0 = any free port)] [--drain-timeout SECONDS (default 10)]";

    public static LocalHostOptions Parse(string[] args, IReadOnlyDictionary<string, string> environment)
    {
        string? app = null;
        string? port = environment.GetValueOrDefault("PORT");
        var drain = "10";
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--app": app = value; break;
                case "--port": port = value; break;
                case "--drain-timeout": drain = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}");
            }

            i++;
        }

        if (string.IsNullOrEmpty(app))
        {
            throw new ArgumentException($"--app is required.\n{Usage}");
        }

        var (directory, assembly) = ResolveApp(Path.GetFullPath(app));
        var portNumber = string.IsNullOrEmpty(port) ? 7071
            : int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535 ? p
            : throw new ArgumentException($"Port '{port}' is not a number between 0 and 65535 (--port or PORT).");
        var drainSeconds = double.TryParse(drain, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 ? d
            : throw new ArgumentException($"--drain-timeout '{drain}' is not a number of seconds.");
        return new LocalHostOptions(directory, assembly, portNumber, TimeSpan.FromSeconds(drainSeconds));
    }

    /// <summary>The worker app: its .dll, or a folder holding exactly one worker (found by its functions.metadata / worker.config.json).</summary>
    private static (string Directory, string Assembly) ResolveApp(string path)
    {
        if (File.Exists(path))
        {
            return (Path.GetDirectoryName(path)!, path);
        }

        if (!Directory.Exists(path))
        {
            throw new ArgumentException($"The worker app '{path}' does not exist. Build it first (dotnet build).");
        }

        var config = Path.Combine(path, "worker.config.json");
        if (File.Exists(config))
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
            if (document.RootElement.TryGetProperty("description", out var description)
                && description.TryGetProperty("defaultWorkerPath", out var workerPath)
                && workerPath.GetString() is { Length: > 0 } dll)
            {
                return (path, Path.Combine(path, dll));
            }
        }

        throw new ArgumentException($"'{path}' holds no worker.config.json naming the worker; pass the worker's .dll with --app.");
    }
}
