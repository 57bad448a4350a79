using System.Diagnostics;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace LocalHost.Worker;

internal static class Invocations
{
    /// <summary>A new invocation of the function; the worker requires a trace context on every one.</summary>
    public static InvocationRequest Create(FunctionDescriptor function)
    {
        var parent = Activity.Current?.Id ?? $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00";
        return new InvocationRequest
        {
            FunctionId = function.Id,
            InvocationId = Guid.NewGuid().ToString(),
            TraceContext = new RpcTraceContext { TraceParent = parent, TraceState = Activity.Current?.TraceStateString ?? string.Empty },
        };
    }
}
