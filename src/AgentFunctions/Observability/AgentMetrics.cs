using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Observability;

/// <summary>
/// The app's own metrics, on the <c>AgentFunctions</c> meter; every measurement carries the org
/// (<c>org.id</c>) so usage, latency and refusals can be split per org. Without an exporter
/// (local runs, tests) recording costs next to nothing.
/// </summary>
internal sealed class AgentMetrics
{
    public const string MeterName = "AgentFunctions";

    private readonly Histogram<double> _modelDuration;
    private readonly Counter<long> _modelTokens;
    private readonly Histogram<double> _retrievalDuration;
    private readonly Counter<long> _jobOutcomes;
    private readonly Counter<long> _quotaRefusals;

    public AgentMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _modelDuration = meter.CreateHistogram<double>("agent.model.duration", "s", "Duration of one model call (including tool-call round trips).");
        _modelTokens = meter.CreateCounter<long>("agent.model.tokens", "{token}", "Tokens sent to (input) and received from (output) the model.");
        _retrievalDuration = meter.CreateHistogram<double>("agent.retrieval.duration", "s", "Duration of one knowledge search.");
        _jobOutcomes = meter.CreateCounter<long>("agent.jobs", "{job}", "Finished queued jobs by outcome.");
        _quotaRefusals = meter.CreateCounter<long>("agent.quota.refusals", "{request}", "Requests refused because an org quota was spent.");
    }

    public void RecordModelCall(OrgId org, TimeSpan latency, long inputTokens, long outputTokens, bool succeeded)
    {
        var outcome = succeeded ? "success" : "failure";
        _modelDuration.Record(latency.TotalSeconds, Tags(org, "outcome", outcome));
        if (inputTokens > 0)
        {
            _modelTokens.Add(inputTokens, Tags(org, "token.type", "input"));
        }

        if (outputTokens > 0)
        {
            _modelTokens.Add(outputTokens, Tags(org, "token.type", "output"));
        }
    }

    public void RecordRetrieval(OrgId org, TimeSpan latency) =>
        _retrievalDuration.Record(latency.TotalSeconds, new TagList { { OrgTelemetry.OrgIdTag, org.Value } });

    /// <param name="outcome">A small fixed set, e.g. <c>succeeded</c>, <c>failed</c>, <c>duplicate</c>.</param>
    public void RecordJobOutcome(OrgId org, string outcome) => _jobOutcomes.Add(1, Tags(org, "job.outcome", outcome));

    /// <param name="quota">Which quota refused it, e.g. <c>requestsPerMinute</c>, <c>tokensPerDay</c>.</param>
    public void RecordQuotaRefusal(OrgId org, string quota) => _quotaRefusals.Add(1, Tags(org, "quota", quota));

    private static TagList Tags(OrgId org, string key, string value) =>
        new() { { OrgTelemetry.OrgIdTag, org.Value }, { key, value } };
}
