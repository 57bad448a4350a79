using System.Text;

namespace AgentFunctions.Knowledge;

/// <summary>
/// A file's text by its format, read with the format's library (PdfPig, Open XML SDK, AngleSharp, Markdig): each
/// section remembers where it is (PDF page, heading path) so chunks and citations can say where. Throws
/// <see cref="DocumentUnreadableException"/> naming the problem for a damaged, encrypted or empty file.
/// </summary>
internal static class DocumentExtractor
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static ExtractedDocument Extract(FileFormat format, ReadOnlyMemory<byte> content)
    {
        var document = format switch
        {
            FileFormat.Pdf => PdfText.Extract(content),
            FileFormat.Docx => DocxText.Extract(content),
            FileFormat.Html => HtmlText.Extract(content),
            FileFormat.Markdown => MarkdownText.Extract(DecodeText(content)),
            _ => new ExtractedDocument(null, [new DocumentSection(DecodeText(content), null, null)]),
        };

        var sections = document.Sections.Where(section => !string.IsNullOrWhiteSpace(section.Text)).ToList();
        if (sections.Count == 0)
        {
            throw new DocumentUnreadableException(format == FileFormat.Pdf
                ? "The PDF has no text to index (a scanned PDF holds only images; run OCR on it first)."
                : "The file has no text to index.");
        }

        return document with { Title = string.IsNullOrWhiteSpace(document.Title) ? null : document.Title.Trim(), Sections = sections };
    }

    /// <summary>Text in UTF-8 (a UTF-16 or UTF-8 byte order mark is honoured); anything else is refused, not guessed at.</summary>
    private static string DecodeText(ReadOnlyMemory<byte> content)
    {
        var bytes = content.Span;
        try
        {
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                return StrictUtf8.GetString(bytes[3..]);
            }

            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
            {
                return new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true).GetString(bytes[2..]);
            }

            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            {
                return new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true).GetString(bytes[2..]);
            }

            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DocumentUnreadableException("The text is not valid UTF-8 (or UTF-16 with a byte order mark).", e);
        }
    }
}
