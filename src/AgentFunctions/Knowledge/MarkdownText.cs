using Markdig;
using Markdig.Syntax;

namespace AgentFunctions.Knowledge;

/// <summary>Markdown (Markdig) as plain text, a section per heading named by its heading path; the title from the first heading.</summary>
internal static class MarkdownText
{
    public static ExtractedDocument Extract(string markdown)
    {
        var writer = new SectionWriter();
        foreach (var block in Markdown.Parse(markdown))
        {
            var source = markdown.Substring(block.Span.Start, block.Span.Length);
            if (block is HeadingBlock heading)
            {
                writer.Heading(heading.Level, Markdown.ToPlainText(source));
            }
            else
            {
                writer.Paragraph(Markdown.ToPlainText(source));
            }
        }

        return new ExtractedDocument(writer.FirstHeading, writer.Build());
    }
}
