namespace AgentFunctions.Models;

/// <summary>
/// Which optional models the app has, known from configuration alone (no client is built, nothing is called), so a
/// feature that only helps (the agent's knowledge retrieval) can be skipped instead of failing every run.
/// </summary>
internal interface IModelAvailability
{
    bool HasEmbeddingModel { get; }
}
