// Writes the Functions host-worker protocol (FunctionRpc.proto and everything it imports) as a
// FileDescriptorSet, taken from the worker's Grpc assembly, so the protocol always matches the
// worker version this repository builds against.
// Usage: dotnet LocalHost.Schema.dll <output.protoset>
// Also writes <output.protoset>.files: the protocol's own files (not protobuf's well-known types,
// which Google.Protobuf already ships), one a line, for protoc to generate.
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: LocalHost.Schema <output.protoset>");
    return 2;
}

const string ReflectionType = "Microsoft.Azure.Functions.Worker.Grpc.Messages.FunctionRpcReflection";
var workerGrpc = Assembly.Load("Microsoft.Azure.Functions.Worker.Grpc");
var descriptor = workerGrpc.GetType(ReflectionType, throwOnError: false)
    ?.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)
    ?.GetValue(null) as FileDescriptor
    ?? throw new InvalidOperationException($"{ReflectionType}.Descriptor was not found in {workerGrpc.FullName}; the worker's protocol assembly changed shape.");

// Dependencies first, each file once: protoc resolves imports in set order.
var set = new FileDescriptorSet();
var seen = new HashSet<string>(StringComparer.Ordinal);
Add(descriptor);

var output = Path.GetFullPath(args[0]);
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
File.WriteAllBytes(output, set.ToByteArray());
File.WriteAllLines(output + ".files", set.File.Select(f => f.Name).Where(name => !name.StartsWith("google/protobuf/", StringComparison.Ordinal)));

Console.WriteLine($"{descriptor.Name} ({workerGrpc.GetName().Version}): {string.Join(", ", set.File.Select(f => f.Name))}");
return 0;

void Add(FileDescriptor file)
{
    if (!seen.Add(file.Name))
    {
        return;
    }

    foreach (var dependency in file.Dependencies)
    {
        Add(dependency);
    }

    set.File.Add(FileDescriptorProto.Parser.ParseFrom(file.SerializedData));
}
