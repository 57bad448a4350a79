namespace AgentFunctions.Benchmarks;

/// <summary>The benchmarks this program can run, by name. Add one line per benchmark.</summary>
internal static class Benchmarks
{
    public static IReadOnlyDictionary<string, Func<string[], Task>> All { get; } = new Dictionary<string, Func<string[], Task>>(StringComparer.Ordinal)
    {
        ["storage"] = StorageBaseline.RunAsync,
        ["turn"] = TurnBenchmark.RunAsync,
        ["knowledge"] = KnowledgeBenchmark.RunAsync,
        ["localhost"] = LocalHostOverhead.RunAsync,
        ["jobs"] = JobsBenchmark.RunAsync,
        ["openai"] = OpenAiBenchmark.RunAsync,
        ["requests"] = RequestsPerRun.RunAsync,
        ["job-requests"] = RequestsPerJob.RunAsync,
        ["mcp"] = McpBenchmark.RunAsync,
        ["framework"] = FrameworkBenchmark.RunAsync,
        ["load"] = LoadBenchmark.RunAsync,
        ["export"] = ExportBenchmark.RunAsync,
        ["compaction"] = CompactionBenchmark.RunAsync,
    };
}
