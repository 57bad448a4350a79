using System.Diagnostics;
using AgentFunctions.Observability;
using AgentFunctions.Tenancy;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Observability;

public sealed partial class OrgTelemetryTests : IDisposable
{
    private readonly ActivitySource _source = new($"OrgTelemetryTests.{Guid.NewGuid():N}");
    private readonly ActivityListener _listener;

    public OrgTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private static OrgId OrgA => OrgId.Parse("org-a");

    [Fact]
    public void Begin_InsideARequest_TagsTheInvocationAndTheRequestSpan()
    {
        using var request = _source.StartActivity("request", ActivityKind.Server)!;
        using var invocation = _source.StartActivity("invoke", ActivityKind.Internal)!;
        using var loggerFactory = LoggerFactory.Create(_ => { });

        using (OrgTelemetry.Begin(loggerFactory.CreateLogger("test"), OrgA))
        {
            Assert.Equal("org-a", invocation.GetTagItem("org.id"));
            Assert.Equal("org-a", request.GetTagItem("org.id"));
        }
    }

    [Fact]
    public void Begin_UnderALongLivedInternalAncestor_LeavesThatAncestorUntagged()
    {
        using var worker = _source.StartActivity("worker", ActivityKind.Internal)!;
        using var invocation = _source.StartActivity("invoke", ActivityKind.Internal)!;
        using var loggerFactory = LoggerFactory.Create(_ => { });

        using (OrgTelemetry.Begin(loggerFactory.CreateLogger("test"), OrgA))
        {
            Assert.Equal("org-a", invocation.GetTagItem("org.id"));
            Assert.Null(worker.GetTagItem("org.id"));
        }
    }

    [Fact]
    public void Begin_Always_OpensALogScopeThatCarriesTheOrgId()
    {
        var provider = new ScopeCapturingProvider();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(provider));
        var logger = loggerFactory.CreateLogger("test");

        using (OrgTelemetry.Begin(logger, OrgA))
        {
            LogText(logger, "inside");
        }

        LogText(logger, "outside");

        Assert.Equal([("inside", "org-a"), ("outside", null)], provider.Entries);
    }

    [Fact]
    public void OrgIdActivityProcessor_ChildOfATaggedInvocation_InheritsTheOrg()
    {
        using var processor = new OrgIdActivityProcessor();
        using var invocation = _source.StartActivity("invoke")!;
        invocation.SetTag("org.id", "org-a");
        using var dependency = _source.StartActivity("GET model", ActivityKind.Client)!;

        processor.OnStart(dependency);

        Assert.Equal("org-a", dependency.GetTagItem("org.id"));
    }

    [Fact]
    public void OrgIdActivityProcessor_NoTaggedAncestor_AddsNoOrg()
    {
        using var processor = new OrgIdActivityProcessor();
        using var parent = _source.StartActivity("startup")!;
        using var dependency = _source.StartActivity("GET blob", ActivityKind.Client)!;

        processor.OnStart(dependency);

        Assert.Null(dependency.GetTagItem("org.id"));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Text}")]
    private static partial void LogText(ILogger logger, string text);

    /// <summary>Records, for each log entry, the <c>org.id</c> found in the active scopes.</summary>
    private sealed class ScopeCapturingProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public List<(string Message, object? OrgId)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapturingProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                object? org = null;
                owner._scopes.ForEachScope(
                    (scope, _) =>
                    {
                        if (scope is IEnumerable<KeyValuePair<string, object?>> properties)
                        {
                            org = properties.FirstOrDefault(p => p.Key == "org.id").Value ?? org;
                        }
                    },
                    (object?)null);
                owner.Entries.Add((formatter(state, exception), org));
            }
        }
    }
}
