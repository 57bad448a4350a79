using System.Text.RegularExpressions;

namespace AgentFunctions.Infra.Tests;

/// <summary>
/// The repository documents itself: every relative link in README.md and docs/*.md reaches a file in it (and,
/// with a <c>#anchor</c> into a markdown page, a heading of that page), and no page names a document outside it.
/// </summary>
public sealed partial class DocLinkTests
{
    private static readonly string RepoRoot = CompiledTemplate.FindRepoRoot();

    private static IReadOnlyList<string> Pages { get; } =
        [.. Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md").Order(StringComparer.Ordinal), Path.Combine(RepoRoot, "README.md")];

    [Fact]
    public void Docs_RelativeLinks_PointToExistingFilesAndHeadings()
    {
        var links = Pages.SelectMany(page => RelativeLinks(page).Select(target => (Page: page, Target: target))).ToList();

        var broken = links.Where(link => !Resolves(link.Page, link.Target)).Select(link => $"{Path.GetRelativePath(RepoRoot, link.Page)} -> {link.Target}").ToList();

        Assert.True(links.Count > Pages.Count, "the pages link to each other"); // the check itself found the links
        Assert.True(broken.Count == 0, $"links to missing files or headings: {string.Join(", ", broken)}");
    }

    [Fact]
    public void Docs_Pages_ReferToNoDocumentOutsideTheRepository()
    {
        var outside = Pages
            .SelectMany(page => File.ReadLines(page).Where(line => OutsideDocument().IsMatch(line)).Select(line => $"{Path.GetFileName(page)}: {line.Trim()}"))
            .ToList();

        Assert.True(outside.Count == 0, $"references to documents outside the repository: {string.Join(" | ", outside)}");
    }

    private static bool Resolves(string page, string target)
    {
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
        if (!Path.Exists(file))
        {
            return false;
        }

        return hash < 0 || !file.EndsWith(".md", StringComparison.Ordinal) || Anchors(file).Contains(target[(hash + 1)..]);
    }

    /// <summary>Targets of inline links <c>[text](target)</c> outside code blocks that are not URLs.</summary>
    private static IEnumerable<string> RelativeLinks(string page) =>
        TextLines(page)
            .SelectMany(line => MarkdownLink().Matches(line).Select(link => link.Groups[1].Value))
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith("mailto:", StringComparison.Ordinal));

    /// <summary>The anchors of a page's headings as GitHub makes them: lower case, punctuation dropped, spaces as '-'.</summary>
    private static HashSet<string> Anchors(string page) =>
        TextLines(page)
            .Select(line => Heading().Match(line))
            .Where(heading => heading.Success)
            .Select(heading => string.Concat(heading.Groups[1].Value.Trim().ToLowerInvariant()
                .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')).Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The page's lines outside fenced code blocks.</summary>
    private static IEnumerable<string> TextLines(string page)
    {
        var inCode = false;
        foreach (var line in File.ReadLines(page))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
            }
            else if (!inCode)
            {
                yield return line;
            }
        }
    }

    [GeneratedRegex(@"\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"\.\./shared|(^|[^/A-Za-z])(DESIGN|NOTES|STYLE|API)\.md")]
    private static partial Regex OutsideDocument();
}
