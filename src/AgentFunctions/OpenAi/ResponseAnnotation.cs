using System.Text.Json.Serialization;

namespace AgentFunctions.OpenAi;

/// <summary>A knowledge citation: <c>file_citation</c> with the document id as <c>file_id</c> and its title as <c>filename</c>.</summary>
internal sealed record ResponseAnnotation(
    [property: JsonPropertyName("file_id")] string FileId,
    [property: JsonPropertyName("filename")] string Filename,
    [property: JsonPropertyName("index")] int Index)
{
    [JsonPropertyName("type")]
    public string Type { get; } = "file_citation";
}
