using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace AgentFunctions.Knowledge;

/// <summary>A PDF's text page by page (PdfPig, in content order), each page its own section.</summary>
internal static class PdfText
{
    public static ExtractedDocument Extract(ReadOnlyMemory<byte> content)
    {
        try
        {
            using var pdf = PdfDocument.Open(content.ToArray());
            var pages = pdf.GetPages().Select(page => new DocumentSection(ContentOrderTextExtractor.GetText(page).Trim(), page.Number, null)).ToList();
            return new ExtractedDocument(pdf.Information.Title, pages);
        }
        catch (PdfDocumentEncryptedException e)
        {
            throw new DocumentUnreadableException("The PDF is encrypted (password-protected); upload an unprotected copy.", e);
        }
        catch (Exception e) when (e is not DocumentUnreadableException and not OutOfMemoryException)
        {
            // A damaged file fails anywhere in the parser, with whatever exception type that part throws.
            throw new DocumentUnreadableException("The file is not a readable PDF (it is damaged or not a PDF).", e);
        }
    }
}
