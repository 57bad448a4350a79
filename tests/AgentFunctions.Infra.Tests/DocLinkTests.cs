using System.Text.RegularExpressions;

namespace AgentFunctions.Infra.Tests;

/// <summary>The repository documents itself: every relative link in README.md and docs/*.md reaches a file in it.</summary>
public sealed partial class DocLinkTests
{
    private static readonly string RepoRoot = CompiledTemplate.FindRepoRoot();

    [Fact]
    public void Docs_RelativeLinks_PointToExistingFiles()
    {
        var pages = Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md").Append(Path.Combine(RepoRoot, "README.md")).ToList();
        var links = pages.SelectMany(page => RelativeLinks(page).Select(target => (Page: page, Target: target))).ToList();

        var broken = links
            .Where(link => !Path.Exists(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(link.Page)!, link.Target))))
            .Select(link => $"{Path.GetRelativePath(RepoRoot, link.Page)} -> {link.Target}")
            .ToList();

        Assert.True(links.Count > pages.Count, "the pages link to each other"); // the check itself found the links
        Assert.True(broken.Count == 0, $"links to missing files: {string.Join(", ", broken)}");
    }

    [Fact]
    public void Docs_Pages_ReferToNoDocumentOutsideTheRepository()
    {
        var pages = Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md").Append(Path.Combine(RepoRoot, "README.md"));

        var outside = pages
            .SelectMany(page => File.ReadLines(page).Where(line => OutsideDocument().IsMatch(line)).Select(line => $"{Path.GetFileName(page)}: {line.Trim()}"))
            .ToList();

        Assert.True(outside.Count == 0, $"references to documents outside the repository: {string.Join(" | ", outside)}");
    }

    /// <summary>Targets of inline links <c>[text](target)</c> that are not URLs or in-page anchors, without their <c>#anchor</c>.</summary>
    private static IEnumerable<string> RelativeLinks(string page)
    {
        var inCode = false;
        foreach (var line in File.ReadLines(page))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }

            if (inCode)
            {
                continue;
            }

            foreach (Match link in MarkdownLink().Matches(line))
            {
                var target = link.Groups[1].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith('#') || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                yield return Uri.UnescapeDataString(target.Split('#')[0]);
            }
        }
    }

    [GeneratedRegex(@"\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"\.\./shared|(^|[^/A-Za-z])(DESIGN|NOTES|STYLE|API)\.md")]
    private static partial Regex OutsideDocument();
}
