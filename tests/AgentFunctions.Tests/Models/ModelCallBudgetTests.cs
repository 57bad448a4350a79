using AgentFunctions.Models;

namespace AgentFunctions.Tests.Models;

public sealed class ModelCallBudgetTests
{
    [Fact]
    public void RetriesNow_OutsideAnInvocation_TheConfiguredRetries() =>
        Assert.Equal(3, ModelCallBudget.RetriesNow(3));

    [Fact]
    public void RetriesNow_InsideAQueueDelivery_TheDeliverysRetriesUntilTheScopeEnds()
    {
        var time = new SettableTime(DateTimeOffset.UnixEpoch);
        using (ModelCallBudget.Begin(0, TimeSpan.FromSeconds(180), time))
        {
            Assert.Equal(0, ModelCallBudget.RetriesNow(3));
        }

        Assert.Equal(3, ModelCallBudget.RetriesNow(3));
    }

    [Fact]
    public void RemainingNow_LaterCallsOfTheInvocation_ShareOneDeadline()
    {
        var time = new SettableTime(DateTimeOffset.UnixEpoch);
        using var budget = ModelCallBudget.Begin(3, TimeSpan.FromSeconds(180), time);

        Assert.Equal(TimeSpan.FromSeconds(100), ModelCallBudget.RemainingNow(TimeSpan.FromSeconds(100), time));
        time.Now += TimeSpan.FromSeconds(150);
        Assert.Equal(TimeSpan.FromSeconds(30), ModelCallBudget.RemainingNow(TimeSpan.FromSeconds(100), time));
        time.Now += TimeSpan.FromSeconds(60);
        Assert.Equal(TimeSpan.FromMilliseconds(1), ModelCallBudget.RemainingNow(TimeSpan.FromSeconds(100), time));
    }

    private sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
