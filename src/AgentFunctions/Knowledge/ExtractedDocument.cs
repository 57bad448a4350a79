namespace AgentFunctions.Knowledge;

/// <summary>A file's text in reading order, and its own title when it names one (PDF info, DOCX properties, HTML title, first heading).</summary>
internal sealed record ExtractedDocument(string? Title, IReadOnlyList<DocumentSection> Sections)
{
    public int Characters => Sections.Sum(section => section.Text.Length);
}
