using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace LocalHost.Worker;

/// <summary>One binding of a function, read from the raw binding JSON the worker reports.</summary>
internal sealed record FunctionBinding(string Name, string Type, BindingInfo.Types.Direction Direction, JsonElement Json)
{
    public string? Property(string name) =>
        Json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A function as the worker indexed it, with what the host needs to route and trigger it.</summary>
internal sealed record FunctionDescriptor(string Id, string Name, RpcFunctionMetadata Metadata, IReadOnlyList<FunctionBinding> Bindings)
{
    public FunctionBinding? Trigger => Bindings.FirstOrDefault(b => b.IsTrigger && b.Direction == BindingInfo.Types.Direction.In);

    public bool IsHttp => string.Equals(Trigger?.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsQueue => string.Equals(Trigger?.Type, "queueTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimer => string.Equals(Trigger?.Type, "timerTrigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the worker's metadata and fills in the typed binding map the worker expects back in FunctionLoadRequest.</summary>
    public static FunctionDescriptor From(RpcFunctionMetadata metadata)
    {
        var bindings = new List<FunctionBinding>();
        foreach (var raw in metadata.RawBindings)
        {
            using var document = JsonDocument.Parse(raw);
            var json = document.RootElement.Clone();
            var name = json.GetProperty("name").GetString()!;
            var type = json.GetProperty("type").GetString()!;
            var direction = (json.TryGetProperty("direction", out var d) ? d.GetString() : "in")?.ToUpperInvariant() switch
            {
                "OUT" => BindingInfo.Types.Direction.Out,
                "INOUT" => BindingInfo.Types.Direction.Inout,
                _ => BindingInfo.Types.Direction.In,
            };
            bindings.Add(new FunctionBinding(name, type, direction, json));
        }

        var load = metadata.Clone();
        if (load.Bindings.Count == 0)
        {
            foreach (var binding in bindings)
            {
                var info = new BindingInfo
                {
                    Type = binding.Type,
                    Direction = binding.Direction,
                    DataType = binding.Property("dataType")?.ToUpperInvariant() switch
                    {
                        "STRING" => BindingInfo.Types.DataType.String,
                        "BINARY" => BindingInfo.Types.DataType.Binary,
                        "STREAM" => BindingInfo.Types.DataType.Stream,
                        _ => BindingInfo.Types.DataType.Undefined,
                    },
                };
                if (binding.Json.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        info.Properties[property.Name] = property.Value.ToString();
                    }
                }

                load.Bindings[binding.Name] = info;
            }
        }

        var id = string.IsNullOrEmpty(metadata.FunctionId) ? Guid.NewGuid().ToString() : metadata.FunctionId;
        load.FunctionId = id;
        return new FunctionDescriptor(id, metadata.Name, load, bindings);
    }
}
