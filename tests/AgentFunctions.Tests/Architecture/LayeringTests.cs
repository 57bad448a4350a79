using System.Text.RegularExpressions;

namespace AgentFunctions.Tests.Architecture;

/// <summary>
/// Reads every source file of the app and checks the folder layering (docs/architecture.md, "Layers"): the kernel uses nothing
/// above it, areas never use the HTTP/trigger layer, nothing uses the composition root, and no folders depend on
/// each other in a circle. A new folder is an area unless listed here.
/// </summary>
public sealed partial class LayeringTests
{
    private const int Kernel = 0;
    private const int Area = 1;
    private const int Top = 2;
    private const int Root = 3;

    private static readonly Dictionary<string, int> Layers = new(StringComparer.Ordinal)
    {
        ["Errors"] = Kernel,
        ["Serialization"] = Kernel,
        ["Tenancy"] = Kernel,
        ["Storage"] = Kernel,
        ["Observability"] = Kernel,
        ["Http"] = Top,
        ["Middleware"] = Top,
        ["Functions"] = Top,
        ["Hosting"] = Root,
    };

    private static readonly string[] LayerNames = ["kernel", "area", "HTTP/trigger layer", "composition root"];

    [Fact]
    public void Folders_UseOnlyTheirOwnOrLowerLayers()
    {
        var violations = SourceGraph.Load().Dependencies
            .Where(d => LayerOf(d.From) < LayerOf(d.To))
            .Select(d => $"{d.File}:{d.Line} ({LayerNames[LayerOf(d.From)]} {d.From}) uses {d.To} ({LayerNames[LayerOf(d.To)]}): {d.Text}")
            .ToList();

        Assert.True(violations.Count == 0, "Upward dependencies:\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Folders_DependOnEachOtherWithoutCycle()
    {
        var graph = SourceGraph.Load();
        var cycle = FindCycle(graph.Dependencies.GroupBy(d => d.From).ToDictionary(g => g.Key, g => g.Select(d => d.To).Distinct().ToList()));

        Assert.True(cycle is null, cycle is null ? string.Empty :
            "Folder cycle " + string.Join(" -> ", cycle) + ":\n" + string.Join('\n', cycle.Zip(cycle.Skip(1))
                .Select(edge => graph.Dependencies.First(d => d.From == edge.First && d.To == edge.Second))
                .Select(d => $"{d.File}:{d.Line}: {d.Text}")));
    }

    [Fact]
    public void Namespaces_MatchFolders()
    {
        var mismatches = SourceGraph.Load().Files
            .Where(f => f.Namespace is not null && f.Namespace != f.ExpectedNamespace)
            .Select(f => $"{f.Path}: namespace {f.Namespace}, expected {f.ExpectedNamespace}")
            .ToList();

        Assert.True(mismatches.Count == 0, "Namespaces that do not match their folder:\n" + string.Join('\n', mismatches));
    }

    [Fact]
    public void SourceGraph_Load_SeesTheKnownLayering()
    {
        // Guards the reader itself: if it stopped seeing usings, the rules above would pass vacuously.
        var edges = SourceGraph.Load().Dependencies.Select(d => (d.From, d.To)).ToHashSet();

        Assert.Contains(("Functions", "Agents"), edges);
        Assert.Contains(("Agents", "Tenancy"), edges);
        Assert.Contains(("Tenancy", "Errors"), edges);
    }

    private static int LayerOf(string folder) => Layers.GetValueOrDefault(folder, Area);

    /// <summary>A path folder -> ... -> folder that returns to its start, or null.</summary>
    private static List<string>? FindCycle(Dictionary<string, List<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();

        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }

                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    internal sealed record SourceFile(string Path, string Folder, string? Namespace, string ExpectedNamespace);

    internal sealed record Dependency(string From, string To, string File, int Line, string Text);

    /// <summary>Each file's folder (first directory under src/AgentFunctions) and the app folders it refers to.</summary>
    internal sealed partial record SourceGraph(IReadOnlyList<SourceFile> Files, IReadOnlyList<Dependency> Dependencies)
    {
        private static readonly Lazy<SourceGraph> Loaded = new(Read);

        public static SourceGraph Load() => Loaded.Value;

        private static SourceGraph Read()
        {
            var root = FindAppSource();
            var paths = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Where(p => !IsBuildOutput(Path.GetRelativePath(root, p)))
                .Order(StringComparer.Ordinal)
                .ToList();
            var folders = paths.Select(p => Path.GetRelativePath(root, p).Split(Path.DirectorySeparatorChar))
                .Where(parts => parts.Length > 1)
                .Select(parts => parts[0])
                .ToHashSet(StringComparer.Ordinal);
            var texts = paths.ToDictionary(p => p, File.ReadAllText);

            // Types declared per folder, to recognise relative qualified names such as "Tenancy.OrgId".
            var typesByFolder = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (path, text) in texts)
            {
                if (FolderOf(root, path) is { } folder)
                {
                    typesByFolder[folder].UnionWith(TypeDeclaration().Matches(text).Select(m => m.Groups[1].Value));
                }
            }

            var files = new List<SourceFile>();
            var dependencies = new List<Dependency>();
            foreach (var (path, text) in texts)
            {
                var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
                var folder = FolderOf(root, path);
                var directory = Path.GetDirectoryName(relative)!.Replace('/', '.');
                files.Add(new SourceFile(relative, folder ?? string.Empty, NamespaceDeclaration().Match(text) is { Success: true } ns ? ns.Groups[1].Value : null,
                    directory.Length == 0 ? "AgentFunctions" : $"AgentFunctions.{directory}"));
                if (folder is null)
                {
                    continue;
                }

                var lines = StripCommentsAndStrings(text).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    foreach (Match m in AppReference().Matches(lines[i]))
                    {
                        var target = m.Groups[1].Value;
                        if (target != folder && folders.Contains(target))
                        {
                            dependencies.Add(new Dependency(folder, target, relative, i + 1, lines[i].Trim()));
                        }
                    }

                    foreach (Match m in RelativeReference().Matches(lines[i]))
                    {
                        var target = m.Groups[1].Value;
                        if (target != folder && typesByFolder.TryGetValue(target, out var types) && types.Contains(m.Groups[2].Value))
                        {
                            dependencies.Add(new Dependency(folder, target, relative, i + 1, lines[i].Trim()));
                        }
                    }
                }
            }

            return new SourceGraph(files, dependencies);
        }

        private static string? FolderOf(string root, string path)
        {
            var parts = Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar);
            return parts.Length > 1 ? parts[0] : null;
        }

        private static bool IsBuildOutput(string relative) =>
            relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal);

        private static string FindAppSource()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "AgentFunctions");
                if (File.Exists(Path.Combine(candidate, "AgentFunctions.csproj")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException($"src/AgentFunctions was not found above {AppContext.BaseDirectory}.");
        }

        /// <summary>Blanks comments and string literals (keeping line breaks), so prose never counts as a dependency.</summary>
        private static string StripCommentsAndStrings(string text) =>
            CommentOrString().Replace(text, m => new string('\n', m.Value.Count(c => c == '\n')));

        [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""", RegexOptions.Singleline)]
        private static partial Regex CommentOrString();

        [GeneratedRegex(@"\bAgentFunctions\.(\w+)")]
        private static partial Regex AppReference();

        [GeneratedRegex(@"(?<![\w.])(\w+)\.([A-Z]\w*)")]
        private static partial Regex RelativeReference();

        [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
        private static partial Regex NamespaceDeclaration();

        [GeneratedRegex(@"\b(?:class|struct|interface|enum|record)\s+(\w+)")]
        private static partial Regex TypeDeclaration();
    }
}
