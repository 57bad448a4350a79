using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace AgentFunctions.Knowledge;

/// <summary>A Word document's paragraphs (Open XML SDK), sections per heading (the built-in "heading N" styles, whatever their display language).</summary>
internal static partial class DocxText
{
    // An OLE compound file: what Word writes for a password-protected .docx (and for a legacy .doc).
    private static ReadOnlySpan<byte> CompoundFileSignature => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    public static ExtractedDocument Extract(ReadOnlyMemory<byte> content)
    {
        if (content.Span.StartsWith(CompoundFileSignature))
        {
            throw new DocumentUnreadableException("The file is encrypted (a password-protected .docx) or a legacy .doc; upload an unprotected .docx.");
        }

        try
        {
            using var stream = new MemoryStream(content.ToArray(), writable: false);
            using var word = WordprocessingDocument.Open(stream, isEditable: false);
            var body = word.MainDocumentPart?.Document?.Body ?? throw new DocumentUnreadableException("The .docx has no document body.");
            var headingLevels = HeadingLevels(word.MainDocumentPart.StyleDefinitionsPart?.Styles);
            var writer = new SectionWriter();
            foreach (var paragraph in body.Descendants<Paragraph>())
            {
                var text = string.Concat(paragraph.Descendants().Select(element => element switch
                {
                    Text t => t.Text,
                    TabChar => "\t",
                    Break or CarriageReturn => "\n",
                    _ => string.Empty,
                }));
                if (paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value is { } style && headingLevels.TryGetValue(style, out var level))
                {
                    writer.Heading(level, text);
                }
                else
                {
                    writer.Paragraph(text);
                }
            }

            return new ExtractedDocument(word.PackageProperties.Title ?? writer.FirstHeading, writer.Build());
        }
        catch (Exception e) when (e is not DocumentUnreadableException and not OutOfMemoryException)
        {
            throw new DocumentUnreadableException("The file is not a readable .docx (it is damaged or not a Word document).", e);
        }
    }

    /// <summary>Style id → heading level, for styles named "heading N" (built-in names are English in every language's Word).</summary>
    private static Dictionary<string, int> HeadingLevels(Styles? styles)
    {
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var style in styles?.Elements<Style>() ?? [])
        {
            if (style.StyleId?.Value is { } id && HeadingName().Match(style.StyleName?.Val?.Value ?? id) is { Success: true } match)
            {
                levels[id] = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        for (var level = 1; level <= 9; level++)
        {
            levels.TryAdd($"Heading{level}", level);
        }

        return levels;
    }

    [GeneratedRegex(@"^heading\s*([1-9])$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeadingName();
}
