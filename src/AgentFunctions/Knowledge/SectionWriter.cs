using System.Text;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Collects a structured document's text into <see cref="DocumentSection"/>s, one per heading: each holds the text
/// under its heading, named by the heading path (<c>Guide › Setup › Linux</c>). Text before the first heading has no section.
/// </summary>
internal sealed class SectionWriter
{
    public const string PathSeparator = " › ";

    private readonly List<DocumentSection> _sections = [];
    private readonly List<(int Level, string Text)> _headings = [];
    private readonly StringBuilder _text = new();

    /// <summary>The first heading's text (a document without its own title is named by it).</summary>
    public string? FirstHeading { get; private set; }

    /// <summary>Starts a section under a heading of <paramref name="level"/> (1 = top); an empty heading is ignored.</summary>
    public void Heading(int level, string text)
    {
        var heading = Normalize(text);
        if (heading.Length == 0)
        {
            return;
        }

        Flush();
        FirstHeading ??= heading;
        _headings.RemoveAll(h => h.Level >= level);
        _headings.Add((level, heading));
    }

    /// <summary>Adds a block of text (a paragraph, a list item, a table cell) to the current section.</summary>
    public void Paragraph(string text)
    {
        var paragraph = text.Trim();
        if (paragraph.Length > 0)
        {
            _text.Append(paragraph).Append("\n\n");
        }
    }

    public IReadOnlyList<DocumentSection> Build()
    {
        Flush();
        return _sections;
    }

    private void Flush()
    {
        var text = _text.ToString().Trim();
        _text.Clear();
        if (text.Length > 0)
        {
            _sections.Add(new DocumentSection(text, null, _headings.Count == 0 ? null : string.Join(PathSeparator, _headings.Select(h => h.Text))));
        }
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
