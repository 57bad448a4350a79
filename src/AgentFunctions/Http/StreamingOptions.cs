using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Http;

/// <summary>Streamed answers (<c>Http__*</c>): how long a client may leave a written event unread (<see cref="EventStream"/>).</summary>
internal sealed class StreamingOptions
{
    public const string Section = "Http";

    /// <summary>
    /// One event's write and flush. It only waits when the client stopped reading and every buffer between is full;
    /// then the stream ends: the run is cancelled, the tokens sent so far are metered, nothing is stored.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan StreamWriteTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
