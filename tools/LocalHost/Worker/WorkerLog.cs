using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>The worker's log stream (RpcLog messages) and its console output, written to the host's log.</summary>
internal static partial class WorkerLog
{
    public static void Write(ILogger logger, RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (level == LogLevel.None || !logger.IsEnabled(level))
        {
            return;
        }

        var exception = log.Exception is { } e ? "\n" + Describe(e) : string.Empty;
        LogWorker(logger, level, log.Category, log.Message, exception);
    }

    /// <summary>An exception the worker reported: message and stack, for the developer reading the log.</summary>
    public static string Describe(RpcException? exception) =>
        exception is null ? "no details" : $"{exception.Message}\n{exception.StackTrace}".TrimEnd();

    [LoggerMessage(Message = "[{Category}] {Message}{Exception}")]
    private static partial void LogWorker(ILogger logger, LogLevel level, string category, string message, string exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    public static partial void LogOutput(ILogger logger, string line);
}
