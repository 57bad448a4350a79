namespace AgentFunctions.Secrets;

/// <summary>A named secret could not be read; the message names the secret and why, never a value.</summary>
internal sealed class SecretUnavailableException : Exception
{
    public SecretUnavailableException()
    {
    }

    public SecretUnavailableException(string message)
        : base(message)
    {
    }

    public SecretUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
