namespace AgentFunctions.Knowledge;

/// <summary>
/// A run of a document's text that its chunks cite as one place: a PDF page (<see cref="Page"/>, from 1) or the
/// text under a heading (<see cref="Section"/>, the heading path such as <c>Setup › Linux</c>); neither for plain text.
/// </summary>
internal sealed record DocumentSection(string Text, int? Page, string? Section);
