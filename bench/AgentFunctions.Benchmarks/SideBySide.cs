using System.Diagnostics;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// Variants measured side by side: every round runs each variant once, in an order rotated by the round, and the
/// first <c>warmup</c> rounds are not kept; then a table of median, mean and p90 per variant, and ratios. Each sample
/// also records this process's CPU time (<see cref="Environment.CpuUsage"/>, all threads, so background work such as
/// GC lands on whichever variant runs): averaged over many rounds it shows what a variant costs in CPU, the part that
/// waiting for storage hides from wall-clock times on a loaded machine.
/// </summary>
internal sealed class SideBySide((string Name, Func<int, Task> Run)[] variants)
{
    private List<double>[] _samples = [];
    private List<double>[] _cpu = [];

    public async Task MeasureAsync(int rounds, int warmup)
    {
        _samples = [.. variants.Select(_ => new List<double>(rounds))];
        _cpu = [.. variants.Select(_ => new List<double>(rounds))];
        for (var round = 0; round < warmup + rounds; round++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var v = (round + k) % variants.Length;
                var cpu = Environment.CpuUsage.TotalTime;
                var watch = Stopwatch.StartNew();
                await variants[v].Run(round);
                if (round >= warmup)
                {
                    _samples[v].Add(watch.Elapsed.TotalMilliseconds);
                    _cpu[v].Add((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
                }
            }
        }
    }

    public void PrintTable(int nameWidth)
    {
        Console.WriteLine($"{"variant".PadRight(nameWidth)} {"median ms",10} {"mean ms",10} {"p90 ms",10} {"cpu ms",10}");
        for (var v = 0; v < variants.Length; v++)
        {
            var s = _samples[v].Order().ToList();
            Console.WriteLine($"{variants[v].Name.PadRight(nameWidth)} {Percentile(s, 0.5),10:F2} {s.Average(),10:F2} {Percentile(s, 0.9),10:F2} {_cpu[v].Average(),10:F3}");
        }

        Console.WriteLine();
    }

    /// <summary>Variant <paramref name="a"/> over variant <paramref name="b"/>: ratio of medians, of means and of mean CPU time.</summary>
    public void PrintRatio(string what, int a, int b) =>
        Console.WriteLine($"{what,-40} {Median(a) / Median(b),6:F2} (median) {_samples[a].Average() / _samples[b].Average(),6:F2} (mean) {_cpu[a].Average() / _cpu[b].Average(),6:F2} (cpu)");

    private double Median(int v) => Percentile(_samples[v].Order().ToList(), 0.5);

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
}
