// Benchmarks measured side by side in one run, on Azurite started by the benchmark itself.
// Usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- <name>
// Each benchmark registers itself in Benchmarks.All.
using AgentFunctions.Benchmarks;

var name = args.FirstOrDefault();
if (name is null || !Benchmarks.All.TryGetValue(name, out var run))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project bench/AgentFunctions.Benchmarks -- <{string.Join('|', Benchmarks.All.Keys)}>");
    return 2;
}

await run(args.Skip(1).ToArray());
return 0;
