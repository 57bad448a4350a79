using System.Text.RegularExpressions;

namespace AgentFunctions.Infra.Tests;

/// <summary>
/// The settings table of <c>docs/configuration.md</c>, the one documented list of settings the app reads. Its
/// fourth column says where a value comes from in Azure; a cell starting with <c>template</c>
/// means infra/bicep writes that app setting. Rows with fewer cells are settings the template
/// does not write (local-only, or added by an area that has no Azure value yet).
/// </summary>
public static partial class ConfigurationTable
{
    /// <summary>The page that holds the table, relative to the repository root.</summary>
    public const string RelativePath = "docs/configuration.md";

    public const string Heading = "## Settings";

    /// <summary>The table of the repository at <paramref name="repoRoot"/>: setting name → its "in Azure" cell.</summary>
    public static IReadOnlyDictionary<string, string> Read(string repoRoot)
    {
        var lines = File.ReadAllLines(Path.Combine(repoRoot, RelativePath));
        var start = Array.FindIndex(lines, l => l.Trim() == Heading);
        if (start < 0)
        {
            throw new InvalidOperationException($"{RelativePath} has no '{Heading}' section.");
        }

        var rows = lines.Skip(start + 1)
            .SkipWhile(l => !l.TrimStart().StartsWith('|'))
            .TakeWhile(l => l.TrimStart().StartsWith('|'))
            .Skip(2) // header and separator
            .Select(Cells);

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var cells in rows)
        {
            var name = SettingName().Match(cells[0]);
            if (!name.Success)
            {
                throw new InvalidOperationException($"Configuration row without a `setting` name: {string.Join(" | ", cells)}");
            }

            settings.Add(name.Groups[1].Value, cells.Length > 3 ? cells[3] : string.Empty);
        }

        return settings;
    }

    /// <summary>The settings the table says the template writes.</summary>
    public static ISet<string> WrittenByTemplate(IReadOnlyDictionary<string, string> table) =>
        table.Where(row => row.Value.StartsWith("template", StringComparison.Ordinal)).Select(row => row.Key).ToHashSet(StringComparer.Ordinal);

    private static string[] Cells(string line) =>
        line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    [GeneratedRegex(@"^`([A-Za-z0-9_]+)`$")]
    private static partial Regex SettingName();
}
