using System.Diagnostics.Metrics;
using AgentFunctions.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Agents;

/// <summary>A real <see cref="AgentMetrics"/> on its own meter factory, with a listener that keeps what it records.</summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly List<RecordedMeasurement> _measurements = [];

    public MetricsRecorder()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this recorder's meter, not one of a test running alongside.
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Meter.Name == AgentMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        _listener.Start();
        Metrics = new AgentMetrics(factory);
    }

    public AgentMetrics Metrics { get; }

    public IReadOnlyList<RecordedMeasurement> Measurements
    {
        get
        {
            lock (_measurements)
            {
                return [.. _measurements];
            }
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private void Add(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_measurements)
        {
            _measurements.Add(new RecordedMeasurement(instrument, value, copy));
        }
    }
}

internal sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
