using System.ComponentModel.DataAnnotations;

namespace AgentFunctions.Orgs;

/// <summary>Org registry settings (section <c>Orgs</c>).</summary>
internal sealed class OrgsOptions : IValidatableObject
{
    /// <summary>Platform retention defaults (<c>Orgs__Retention__Conversations</c>, <c>Orgs__Retention__Jobs</c>); an org's own wins.</summary>
    public OrgRetentionSettings Retention { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? problem = null;
        try
        {
            Retention.Parse("Orgs:Retention");
        }
        catch (AgentFunctions.Errors.ApiException e)
        {
            problem = e.Message;
        }

        return problem is null ? [] : [new ValidationResult(problem, [nameof(Retention)])];
    }

    public const string Section = "Orgs";

    /// <summary>
    /// How long one instance serves an org's registry entry (settings, enabled, existence) from
    /// memory. A change made on this instance is seen at once; another instance may serve the
    /// previous value for at most this long. 0 disables the cache.
    /// </summary>
    [Range(0, 3600)]
    public int CacheSeconds { get; set; } = 30;

    public TimeSpan CacheDuration => TimeSpan.FromSeconds(CacheSeconds);

    /// <summary>
    /// The longest an invocation that was authorized just before its org was marked deleting may keep running
    /// and writing (an agent run's model calls, usage, turn, tools). Offboarding sweeps the org's data once
    /// after <see cref="CacheSeconds"/> and again this long after that, so nothing such an invocation writes
    /// survives. Keep it at least host.json's <c>functionTimeout</c> (10 min).
    /// </summary>
    [Range(0, 86_400)]
    public int InFlightSeconds { get; set; } = 600;

    public TimeSpan InFlightDuration => TimeSpan.FromSeconds(InFlightSeconds);

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> until which an entry cached now stays fresh.</summary>
    internal long CacheDeadline(TimeProvider time) => time.GetTimestamp() + (CacheSeconds * time.TimestampFrequency);
}
