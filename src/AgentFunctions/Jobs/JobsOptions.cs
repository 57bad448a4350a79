using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Jobs;

/// <summary>Job processing settings, section <c>Jobs</c> (<c>Jobs__ClaimLease</c> as an app setting).</summary>
internal sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>
    /// How long a running claim is trusted when a different message for the same job arrives. Must
    /// exceed the longest agent run; a redelivery of the claiming message itself takes over at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Jobs:ClaimLease must be between 1 second and 1 day.")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(10);
}
