using System.Diagnostics.Metrics;
using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Observability;

public sealed class AgentMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<Measurement> _measurements = [];
    private readonly AgentMetrics _metrics;

    public AgentMetricsTests()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this test's meter, not one of a test running alongside.
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == AgentMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        _metrics = new AgentMetrics(factory);
    }

    private static OrgId OrgA => OrgId.Parse("org-a");

    [Fact]
    public void RecordModelCall_Succeeded_RecordsLatencyAndBothTokenCountsForTheOrg()
    {
        _metrics.RecordModelCall(OrgA, TimeSpan.FromMilliseconds(1500), inputTokens: 12, outputTokens: 34, succeeded: true);

        var duration = Assert.Single(_measurements, m => m.Instrument == "agent.model.duration");
        Assert.Equal(1.5, duration.Value);
        Assert.Equal("org-a", duration.Tags["org.id"]);
        Assert.Equal("success", duration.Tags["outcome"]);
        var tokens = _measurements.Where(m => m.Instrument == "agent.model.tokens").ToList();
        Assert.Equal(12, Assert.Single(tokens, t => (string?)t.Tags["token.type"] == "input").Value);
        Assert.Equal(34, Assert.Single(tokens, t => (string?)t.Tags["token.type"] == "output").Value);
        Assert.All(tokens, t => Assert.Equal("org-a", t.Tags["org.id"]));
    }

    [Fact]
    public void RecordModelCall_Failed_RecordsFailureOutcomeAndNoZeroTokenCounts()
    {
        _metrics.RecordModelCall(OrgA, TimeSpan.FromSeconds(2), inputTokens: 0, outputTokens: 0, succeeded: false);

        var duration = Assert.Single(_measurements);
        Assert.Equal("failure", duration.Tags["outcome"]);
        Assert.Equal("org-a", duration.Tags["org.id"]);
    }

    [Fact]
    public void RecordRetrieval_Always_RecordsLatencyForTheOrg()
    {
        _metrics.RecordRetrieval(OrgA, TimeSpan.FromMilliseconds(250));

        var retrieval = Assert.Single(_measurements);
        Assert.Equal(("agent.retrieval.duration", 0.25, "org-a"), (retrieval.Instrument, retrieval.Value, retrieval.Tags["org.id"]));
    }

    [Fact]
    public void RecordJobOutcome_Always_CountsOneForTheOrgAndOutcome()
    {
        _metrics.RecordJobOutcome(OrgA, "failed");

        var job = Assert.Single(_measurements);
        Assert.Equal(("agent.jobs", 1.0, "org-a", "failed"), (job.Instrument, job.Value, job.Tags["org.id"], job.Tags["job.outcome"]));
    }

    [Fact]
    public void RecordQuotaRefusal_TwoOrgs_KeepsEachOrgsCountApart()
    {
        _metrics.RecordQuotaRefusal(OrgA, "tokensPerDay");
        _metrics.RecordQuotaRefusal(OrgId.Parse("org-b"), "requestsPerMinute");

        Assert.Equal(
            [("org-a", "tokensPerDay"), ("org-b", "requestsPerMinute")],
            _measurements.Where(m => m.Instrument == "agent.quota.refusals").Select(m => (m.Tags["org.id"], m.Tags["quota"])));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_measurements)
        {
            _measurements.Add(new Measurement(instrument.Name, value, copy));
        }
    }

    private sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
}
