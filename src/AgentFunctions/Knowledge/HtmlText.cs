using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace AgentFunctions.Knowledge;

/// <summary>
/// A web page's visible text (AngleSharp): no scripts, styles, templates or hidden elements; paragraphs at block
/// elements, sections per heading (h1-h6); the title from &lt;title&gt;.
/// </summary>
internal static class HtmlText
{
    private static readonly HashSet<string> Invisible = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "svg", "canvas", "iframe", "object", "embed",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "ul",
    };

    public static ExtractedDocument Extract(ReadOnlyMemory<byte> content)
    {
        // The parser finds the encoding (byte order mark, <meta charset>, else UTF-8) as a browser does.
        using var stream = new MemoryStream(content.ToArray(), writable: false);
        using var document = new HtmlParser().ParseDocument(stream);
        var writer = new SectionWriter();
        var text = new StringBuilder();
        if (document.Body is { } body)
        {
            Walk(body, writer, text);
        }

        writer.Paragraph(text.ToString());
        return new ExtractedDocument(string.IsNullOrWhiteSpace(document.Title) ? writer.FirstHeading : document.Title, writer.Build());
    }

    private static void Walk(INode node, SectionWriter writer, StringBuilder text)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText t)
            {
                AppendCollapsed(text, t.Data);
            }
            else if (child is IElement element && !Invisible.Contains(element.LocalName) && !element.HasAttribute("hidden"))
            {
                if (element.LocalName is ['h' or 'H', >= '1' and <= '6'])
                {
                    writer.Paragraph(text.ToString());
                    text.Clear();
                    writer.Heading(element.LocalName[1] - '0', element.TextContent);
                }
                else if (Blocks.Contains(element.LocalName))
                {
                    writer.Paragraph(text.ToString());
                    text.Clear();
                    Walk(element, writer, text);
                    writer.Paragraph(text.ToString());
                    text.Clear();
                }
                else
                {
                    Walk(element, writer, text);
                }
            }
        }
    }

    private static void AppendCollapsed(StringBuilder text, string data)
    {
        foreach (var c in data)
        {
            if (!char.IsWhiteSpace(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }
        }
    }
}
