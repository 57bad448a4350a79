using System.Diagnostics;
using System.Globalization;
using LocalHost.Configuration;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>
/// The worker process: <c>dotnet app.dll --functions-uri ...</c> with the app settings in its
/// environment. The worker does not exit when its stream drops, so whatever happens the host ends
/// it (<see cref="StopAsync"/>, and <see cref="Kill"/> as the last resort on exit).
/// </summary>
internal sealed partial class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    public int Id => _process.Id;

    public Task Exited => _exited.Task;

    public static WorkerProcess Start(LocalHostOptions options, AppSettings settings, Uri hostUri, string workerId, ILogger logger)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = options.AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(options.AppAssembly);
        foreach (var argument in new[]
        {
            "--functions-uri", hostUri.ToString(),
            "--functions-worker-id", workerId,
            "--functions-request-id", Guid.NewGuid().ToString(),
            "--functions-grpc-max-message-length", int.MaxValue.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        // local.settings.json values with the process environment on top (AppSettings merged them).
        foreach (var (key, value) in settings.All)
        {
            start.Environment[key] = value;
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = options.AppDirectory;
        start.Environment["AzureWebJobsScriptRoot"] = options.AppDirectory;

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, logger);
        process.OutputDataReceived += (_, e) => worker.Output(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Output(e.Data);
        process.Exited += (_, _) => worker._exited.TrySetResult();
        if (!process.Start())
        {
            throw new WorkerUnavailableException("The worker process did not start (is `dotnet` on PATH?).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits for the worker to exit after WorkerTerminate; kills it (and its children) if it lingers.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        var exited = await Task.WhenAny(_exited.Task, Task.Delay(grace)) == _exited.Task;
        if (!exited)
        {
            LogKilling(_logger, _process.Id, grace.TotalSeconds);
            Kill();
            await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Output(string? line)
    {
        if (line is not null)
        {
            WorkerLog.LogOutput(_logger, line);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Pid} did not exit within {Seconds} s of WorkerTerminate; killing it")]
    private static partial void LogKilling(ILogger logger, int pid, double seconds);
}
