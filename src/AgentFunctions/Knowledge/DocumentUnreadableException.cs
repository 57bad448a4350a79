namespace AgentFunctions.Knowledge;

/// <summary>A file that is not what its type says, is damaged or is encrypted; the message names the problem (422).</summary>
internal sealed class DocumentUnreadableException(string problem, Exception? inner = null) : Exception(problem, inner);
