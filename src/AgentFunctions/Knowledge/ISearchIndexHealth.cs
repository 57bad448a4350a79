namespace AgentFunctions.Knowledge;

/// <summary>The AI Search index's state for the health check; registered only when AI Search is configured.</summary>
internal interface ISearchIndexHealth
{
    SearchIndexStatus Status { get; }
}
