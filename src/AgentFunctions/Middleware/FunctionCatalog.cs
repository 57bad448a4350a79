using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Middleware;

/// <summary>Reads <see cref="FunctionTraits"/> from the function's entry point, once per function.</summary>
internal sealed class FunctionCatalog
{
    private readonly ConcurrentDictionary<string, FunctionTraits> _traits = new(StringComparer.Ordinal);

    public FunctionTraits Get(FunctionContext context) =>
        _traits.GetOrAdd(context.FunctionDefinition.Name, static (_, definition) => Read(definition), context.FunctionDefinition);

    private static FunctionTraits Read(FunctionDefinition definition)
    {
        var method = FindMethod(definition.EntryPoint)
            ?? throw new InvalidOperationException($"Entry point '{definition.EntryPoint}' was not found.");
        var queueName = method.GetParameters()
            .Select(p => p.GetCustomAttribute<QueueTriggerAttribute>()?.QueueName)
            .FirstOrDefault(name => name is not null);
        return new FunctionTraits(method.GetCustomAttribute<WithoutOrgAttribute>() is null, queueName, method.GetCustomAttribute<AdminOnlyAttribute>() is not null);
    }

    private static MethodInfo? FindMethod(string entryPoint)
    {
        var split = entryPoint.LastIndexOf('.');
        var type = typeof(FunctionCatalog).Assembly.GetType(entryPoint[..split]);
        return type?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == entryPoint[(split + 1)..] && m.GetCustomAttribute<FunctionAttribute>() is not null);
    }
}
