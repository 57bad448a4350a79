using AgentFunctions.Storage;

namespace AgentFunctions.Tests.Storage;

public sealed class BoundedCacheTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Set_FullCache_EvictsLeastRecentlyUsedOnly()
    {
        var cache = new BoundedCache<string, int>(3, new ManualTime());
        cache.Set("a", 1, Minute);
        cache.Set("b", 2, Minute);
        cache.Set("c", 3, Minute);
        Assert.True(cache.TryGet("a", out _)); // a is now the most recent; b the least

        cache.Set("d", 4, Minute);

        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out var a) && a == 1);
        Assert.True(cache.TryGet("c", out _));
        Assert.True(cache.TryGet("d", out _));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void Set_ManyNewKeys_KeepsRecentlyUsedEntryAndStaysBounded()
    {
        var cache = new BoundedCache<int, string>(100, new ManualTime());
        cache.Set(-1, "hot", Minute);
        for (var i = 0; i < 10_000; i++)
        {
            cache.Set(i, "cold", Minute);
            if (i % 50 == 0)
            {
                Assert.True(cache.TryGet(-1, out _), $"the hot entry was evicted after {i} new keys");
            }
        }

        Assert.Equal(100, cache.Count);
    }

    [Fact]
    public void TryGet_AfterTimeToLive_MissesAndFreesTheSlot()
    {
        var time = new ManualTime();
        var cache = new BoundedCache<string, int>(2, time);
        cache.Set("a", 1, TimeSpan.FromSeconds(30));

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(cache.TryGet("a", out _));
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.False(cache.TryGet("a", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void RemoveWhere_Match_RemovesOnlyMatchingKeys()
    {
        var cache = new BoundedCache<string, int>(10, new ManualTime());
        cache.Set("org-a|1", 1, Minute);
        cache.Set("org-a|2", 2, Minute);
        cache.Set("org-b|1", 3, Minute);

        cache.RemoveWhere(k => k.StartsWith("org-a|", StringComparison.Ordinal));

        Assert.Equal([3], cache.Values());
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
