using System.Text;
using AgentFunctions.Knowledge;
using AgentFunctions.Testing;

namespace AgentFunctions.Tests.Knowledge;

public sealed class DocumentExtractorTests
{
    [Fact]
    public void Extract_PdfOfTwoPages_OneSectionPerPageWithItsNumberAndTheTitle()
    {
        var pdf = TestDocuments.Pdf("Travel policy", "Flights under six hours are economy.", "Hotels are booked through the portal.\nReceipts within 30 days.");

        var document = DocumentExtractor.Extract(FileFormat.Pdf, pdf);

        Assert.Equal("Travel policy", document.Title);
        Assert.Equal([1, 2], document.Sections.Select(s => s.Page));
        Assert.Contains("economy", document.Sections[0].Text, StringComparison.Ordinal);
        Assert.Contains("Receipts within 30 days", document.Sections[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("economy", document.Sections[1].Text, StringComparison.Ordinal);
        Assert.All(document.Sections, s => Assert.Null(s.Section));
    }

    [Fact]
    public void Extract_EncryptedPdf_UnreadableNamingEncryption()
    {
        var e = Assert.Throws<DocumentUnreadableException>(() => DocumentExtractor.Extract(FileFormat.Pdf, TestDocuments.EncryptedPdf()));

        Assert.Contains("encrypted", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(FileFormat.Pdf), "not a readable PDF")]
    [InlineData(nameof(FileFormat.Docx), "not a readable .docx")]
    public void Extract_DamagedFile_UnreadableNamingTheFormat(string format, string problem)
    {
        var e = Assert.Throws<DocumentUnreadableException>(() => DocumentExtractor.Extract(Enum.Parse<FileFormat>(format), Encoding.ASCII.GetBytes("%PDF-1.7 PK this is not really a file")));

        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_TruncatedPdf_Unreadable()
    {
        var pdf = TestDocuments.Pdf(null, "Some text on a page.");

        Assert.Throws<DocumentUnreadableException>(() => DocumentExtractor.Extract(FileFormat.Pdf, pdf.AsMemory(0, pdf.Length / 3)));
    }

    [Fact]
    public void Extract_PdfWithoutText_UnreadableSayingSo()
    {
        var e = Assert.Throws<DocumentUnreadableException>(() => DocumentExtractor.Extract(FileFormat.Pdf, TestDocuments.Pdf(null, "")));

        Assert.Contains("no text", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_DocxWithLocalizedHeadingStyles_SectionsNamedByHeadingPath()
    {
        var docx = TestDocuments.Docx(null,
            (0, "Welcome text before any heading."),
            (1, "Setup"),
            (0, "Install the tools."),
            (2, "Linux"),
            (0, "Use the package manager."),
            (1, "Support"),
            (0, "Write to the help desk."));

        var document = DocumentExtractor.Extract(FileFormat.Docx, docx);

        Assert.Equal("Setup", document.Title);
        Assert.Equal(
            [(null, "Welcome text before any heading."), ("Setup", "Install the tools."), ("Setup › Linux", "Use the package manager."), ("Support", "Write to the help desk.")],
            document.Sections.Select(s => (s.Section, s.Text)));
    }

    [Fact]
    public void Extract_DocxWithTitleProperty_TitleFromProperties()
    {
        var document = DocumentExtractor.Extract(FileFormat.Docx, TestDocuments.Docx("Employee handbook", (0, "Text.")));

        Assert.Equal("Employee handbook", document.Title);
    }

    [Fact]
    public void Extract_CompoundFileAsDocx_UnreadableNamingEncryption()
    {
        byte[] compound = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];

        var e = Assert.Throws<DocumentUnreadableException>(() => DocumentExtractor.Extract(FileFormat.Docx, compound));

        Assert.Contains("encrypted", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_Html_VisibleTextOnlyWithSectionsAndTitle()
    {
        const string html = """
            <!doctype html><html><head><title>Office guide</title><style>.x { color: red }</style>
            <script>var secret = "script text";</script></head>
            <body><nav>Home</nav><h1>Parking</h1><p>Spaces are on <b>level -1</b>.</p>
            <script>document.write("more script")</script><noscript>enable js</noscript>
            <div hidden>hidden text</div><h2>Bikes</h2><ul><li>Racks at the entrance</li><li>Showers upstairs</li></ul></body></html>
            """;

        var document = DocumentExtractor.Extract(FileFormat.Html, Encoding.UTF8.GetBytes(html));

        Assert.Equal("Office guide", document.Title);
        var all = string.Join("\n", document.Sections.Select(s => s.Text));
        Assert.DoesNotContain("script", all, StringComparison.Ordinal);
        Assert.DoesNotContain("color", all, StringComparison.Ordinal);
        Assert.DoesNotContain("enable js", all, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden text", all, StringComparison.Ordinal);
        Assert.Equal(
            [(null, "Home"), ("Parking", "Spaces are on level -1."), ("Parking › Bikes", "Racks at the entrance\n\nShowers upstairs")],
            document.Sections.Select(s => (s.Section, s.Text)));
    }

    [Fact]
    public void Extract_Markdown_ChunkedOnHeadingsAsPlainTextWithHeadingPath()
    {
        const string markdown = """
            # Guide

            Intro with **bold** and a [link](https://example.com).

            ## Setup

            - one
            - two

            ### Linux

            Run `make`.

            ## Usage
            Setext below.

            Other
            -----
            Last words.
            """;

        var document = DocumentExtractor.Extract(FileFormat.Markdown, Encoding.UTF8.GetBytes(markdown));

        Assert.Equal("Guide", document.Title);
        Assert.Equal(["Guide", "Guide › Setup", "Guide › Setup › Linux", "Guide › Usage", "Guide › Other"], document.Sections.Select(s => s.Section));
        Assert.Equal("Intro with bold and a link.", document.Sections[0].Text);
        Assert.Contains("one", document.Sections[1].Text, StringComparison.Ordinal);
        Assert.Equal("Run make.", document.Sections[2].Text);
        Assert.DoesNotContain("#", string.Concat(document.Sections.Select(s => s.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_TextWithUtf8ByteOrderMark_OneSectionWithoutTheMark()
    {
        var document = DocumentExtractor.Extract(FileFormat.Text, (byte[])[0xEF, 0xBB, 0xBF, .. "Grüße aus Köln."u8]);

        Assert.Equal("Grüße aus Köln.", Assert.Single(document.Sections).Text);
        Assert.Null(document.Title);
    }

    [Fact]
    public void Extract_TextNotUtf8_UnreadableNamingTheEncoding()
    {
        var e = Assert.Throws<DocumentUnreadableException>(() => DocumentExtractor.Extract(FileFormat.Text, (byte[])[0x47, 0x72, 0xFC, 0xDF, 0x65]));

        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/pdf", null, nameof(FileFormat.Pdf))]
    [InlineData("text/markdown; charset=utf-8", null, nameof(FileFormat.Markdown))]
    [InlineData("TEXT/HTML", null, nameof(FileFormat.Html))]
    [InlineData("application/octet-stream", "Handbook.DOCX", nameof(FileFormat.Docx))]
    [InlineData(null, "notes.md", nameof(FileFormat.Markdown))]
    public void TryResolve_KnownTypeOrGenericTypeWithKnownExtension_Format(string? mediaType, string? fileName, string expected)
    {
        Assert.True(FileFormats.TryResolve(mediaType, fileName, out var format));
        Assert.Equal(Enum.Parse<FileFormat>(expected), format);
    }

    [Theory]
    [InlineData("image/png", "scan.pdf")]
    [InlineData("application/octet-stream", "data.bin")]
    [InlineData("application/msword", null)]
    public void TryResolve_UnknownType_False(string? mediaType, string? fileName)
    {
        Assert.False(FileFormats.TryResolve(mediaType, fileName, out _));
    }
}
