using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using PdfPageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace AgentFunctions.Testing;

/// <summary>Small PDF and Word files for the knowledge tests, written with PdfPig and the Open XML SDK.</summary>
public static class TestDocuments
{
    public const string DocxMediaType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    /// <summary>A PDF with one page per entry (lines split on '\n'), and the given document title.</summary>
    public static byte[] Pdf(string? title, params string[] pages)
    {
        var builder = new PdfDocumentBuilder();
        if (title is not null)
        {
            builder.DocumentInformation.Title = title;
        }

        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            var page = builder.AddPage(PdfPageSize.A4);
            var y = 780.0;
            foreach (var line in text.Split('\n'))
            {
                page.AddText(line, 11, new PdfPoint(40, y), font);
                y -= 16;
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// A PDF whose trailer names a standard security handler (RC4, revision 2) whose user password is not empty: what a
    /// password-protected PDF looks like to a reader that has no password.
    /// </summary>
    public static byte[] EncryptedPdf()
    {
        var filler = new string('A', 64);
        var objects = new[]
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            $"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <{filler}> /U <{filler}> >>",
        };
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>
    /// A Word document of paragraphs; a paragraph with a level above 0 is a heading of that level (built-in "heading N"
    /// styles, declared in the styles part under the ids Word uses in a German install, as a real file may).
    /// </summary>
    public static byte[] Docx(string? title, params (int Level, string Text)[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var word = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = word.AddMainDocumentPart();
            var styles = main.AddNewPart<StyleDefinitionsPart>();
            styles.Styles = new Styles(Enumerable.Range(1, 3).Select(level =>
                new Style(new StyleName { Val = $"heading {level}" }) { Type = StyleValues.Paragraph, StyleId = $"berschrift{level}" }));
            main.Document = new Document(new Body(paragraphs.Select(p =>
            {
                var paragraph = new Paragraph(new Run(new Text(p.Text) { Space = SpaceProcessingModeValues.Preserve }));
                if (p.Level > 0)
                {
                    paragraph.ParagraphProperties = new ParagraphProperties(new ParagraphStyleId { Val = $"berschrift{p.Level}" });
                }

                return paragraph;
            })));
            if (title is not null)
            {
                word.PackageProperties.Title = title;
            }
        }

        return stream.ToArray();
    }
}
