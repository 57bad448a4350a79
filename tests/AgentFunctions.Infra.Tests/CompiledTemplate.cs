using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace AgentFunctions.Infra.Tests;

/// <summary>
/// infra/bicep/main.bicep compiled once per test run by the Bicep CLI restored from NuGet
/// (see infra/tools/bicep-cli.props); the tests read the ARM JSON it produces.
/// </summary>
public sealed class CompiledTemplate
{
    public CompiledTemplate()
    {
        RepoRoot = FindRepoRoot();
        var bicep = typeof(CompiledTemplate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepCliPath").Value!;
        if (!File.Exists(bicep))
        {
            throw new InvalidOperationException($"Bicep CLI not found at '{bicep}'; restore tests/AgentFunctions.Infra.Tests first.");
        }

        var (json, diagnostics) = Run(bicep, "build", Path.Combine(RepoRoot, "infra", "bicep", "main.bicep"), "--stdout");
        BuildDiagnostics = diagnostics;
        Json = JsonNode.Parse(json)!.AsObject();
    }

    public string RepoRoot { get; }

    /// <summary>What <c>bicep build</c> wrote to stderr: warnings and errors, if any.</summary>
    public string BuildDiagnostics { get; }

    public JsonObject Json { get; }

    public string Text => Json.ToJsonString();

    /// <summary>Every resource of the template, including those inside module deployments.</summary>
    public IEnumerable<JsonObject> AllResources() => AllResourcesOf(Json);

    /// <summary>The properties of the function app's <c>appsettings</c> resource: every app setting the template writes.</summary>
    public JsonObject AppSettings() =>
        Resources("Microsoft.Web/sites/config")
            .Single(c => ((string)c["name"]!).Contains("'appsettings'", StringComparison.Ordinal))["properties"]!.AsObject();

    /// <summary>The top-level module deployments of main.bicep.</summary>
    public IEnumerable<JsonObject> Modules() => ResourcesOf(Json).Where(r => (string?)r["type"] == "Microsoft.Resources/deployments");

    public IEnumerable<JsonObject> Resources(string type) =>
        AllResources().Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase) && r["existing"] is null);

    /// <summary>A top-level module deployment by its deployment name (the <c>name:</c> of the module).</summary>
    public JsonObject Module(string deploymentName) => Modules().Single(r => (string?)r["name"] == deploymentName);

    public static JsonObject TemplateOf(JsonObject module) => module["properties"]!["template"]!.AsObject();

    public static IEnumerable<JsonObject> ResourcesOf(JsonObject template) => template["resources"] switch
    {
        JsonArray list => list.Select(r => r!.AsObject()),
        JsonObject named => named.Select(p => p.Value!.AsObject()),
        _ => [],
    };

    /// <summary>Every resource of a template, including those inside its module deployments.</summary>
    public static IEnumerable<JsonObject> AllResourcesOf(JsonObject template) => ResourcesOf(template).SelectMany(Expand);

    private static IEnumerable<JsonObject> Expand(JsonObject resource)
    {
        yield return resource;
        if ((string?)resource["type"] == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonObject inner)
        {
            foreach (var nested in ResourcesOf(inner).SelectMany(Expand))
            {
                yield return nested;
            }
        }
    }

    private static (string StdOut, string StdErr) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}");
        }

        return (stdout, stderr.Result);
    }

    /// <summary>The folder that holds AgentFunctions.sln, found upwards from the test binaries.</summary>
    internal static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AgentFunctions.sln not found above the test output folder.");
    }
}

[CollectionDefinition(Name)]
public sealed class CompiledTemplateGroup : ICollectionFixture<CompiledTemplate>
{
    public const string Name = "compiled template";
}
