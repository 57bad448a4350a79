using System.Diagnostics;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// CPU time used by named processes (the worker, the local host, Azurite, this process) between two snapshots: on a
/// machine whose cores the whole path shares, throughput follows CPU per job, and this says whose CPU it is.
/// </summary>
internal sealed class ProcessCpu
{
    private readonly IReadOnlyList<(string Name, int ProcessId)> _processes;
    private readonly TimeSpan[] _start;

    private ProcessCpu(IReadOnlyList<(string Name, int ProcessId)> processes)
    {
        _processes = processes;
        _start = [.. processes.Select(p => Used(p.ProcessId))];
    }

    /// <summary>Starts counting the CPU time of <paramref name="processes"/> from now.</summary>
    public static ProcessCpu Start(params (string Name, int ProcessId)[] processes) => new(processes);

    /// <summary>Milliseconds of CPU each process used since <see cref="Start"/>, divided by <paramref name="units"/>.</summary>
    public IReadOnlyList<(string Name, double Milliseconds)> PerUnit(int units) =>
        [.. _processes.Select((p, i) => (p.Name, (Used(p.ProcessId) - _start[i]).TotalMilliseconds / units))];

    private static TimeSpan Used(int processId)
    {
        using var process = Process.GetProcessById(processId);
        return process.TotalProcessorTime;
    }
}
