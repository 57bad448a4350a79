namespace AgentFunctions.Knowledge;

/// <summary>The file formats <c>PUT /api/documents/{documentId}</c> reads (docs/knowledge.md, "Formats").</summary>
internal enum FileFormat
{
    Text,
    Markdown,
    Html,
    Pdf,
    Docx,
}
