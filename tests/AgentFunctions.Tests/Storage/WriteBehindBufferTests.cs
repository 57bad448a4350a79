using AgentFunctions.Errors;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Storage;

public sealed class WriteBehindBufferTests
{
    private static readonly OrgId Acme = OrgId.Parse("acme");
    private static readonly OrgId Globex = OrgId.Parse("globex");

    [Fact]
    public async Task FlushAsync_HeldEntries_WrittenInOrderInBatchesOfTheOrgOnly()
    {
        var writes = new List<(OrgId Org, int[] Entries)>();
        var buffer = new WriteBehindBuffer<int>((org, batch, _) => { writes.Add((org, [.. batch])); return Task.CompletedTask; }, maxBatch: 2, maxPending: 100);
        foreach (var i in Enumerable.Range(1, 5))
        {
            buffer.Add(Acme, i);
        }

        buffer.Add(Globex, 99);
        await buffer.FlushAsync(Acme, default);

        Assert.Equal([(Acme, [1, 2]), (Acme, [3, 4]), (Acme, [5])], writes.Select(w => (w.Org, w.Entries)).ToList(), Comparer);
        Assert.Equal([99], buffer.Held(Globex));
        Assert.Equal(1, buffer.Pending);
    }

    [Fact]
    public async Task FlushAsync_WriteFails_KeepsTheEntriesForTheNextFlush()
    {
        var fail = true;
        var written = new List<int>();
        var buffer = new WriteBehindBuffer<int>((_, batch, _) =>
        {
            if (fail)
            {
                throw new InvalidOperationException("storage down");
            }

            written.AddRange(batch);
            return Task.CompletedTask;
        }, maxBatch: 10, maxPending: 2);
        buffer.Add(Acme, 1);
        buffer.Add(Acme, 2);

        await Assert.ThrowsAsync<InvalidOperationException>(() => buffer.FlushAsync(Acme, default));
        Assert.True(buffer.IsFull);
        Assert.Equal((503, ErrorCodes.StorageUnavailable), Refusal(() => buffer.Defer())); // new work is refused while full
        fail = false;
        await buffer.FlushAsync(Acme, default);

        Assert.Equal([1, 2], written);
        Assert.False(buffer.IsFull);
        Assert.Empty(buffer.Held(Acme));
    }

    [Fact]
    public async Task FlushAsync_ConcurrentFlushesOfOneOrg_EveryEntryWrittenExactlyOnce()
    {
        var written = new List<int>();
        var writing = 0;
        var overlapped = false;
        var buffer = new WriteBehindBuffer<int>(async (_, batch, _) =>
        {
            overlapped |= Interlocked.Increment(ref writing) > 1;
            await Task.Delay(5, CancellationToken.None);
            lock (written)
            {
                written.AddRange(batch);
            }

            Interlocked.Decrement(ref writing);
        }, maxBatch: 3, maxPending: 1000);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            await Task.Yield();
            buffer.Add(Acme, i);
            await buffer.FlushAsync(Acme, default);
        }));

        Assert.False(overlapped); // one flush of an org at a time
        Assert.Equal(Enumerable.Range(0, 40), written.Order());
    }

    [Fact]
    public async Task Defer_InsideScope_DeferringOnlyInThatAsyncFlow()
    {
        var buffer = new WriteBehindBuffer<int>((_, _, _) => Task.CompletedTask, 1, 1);
        var deferred = new TaskCompletionSource();
        var sibling = Task.Run(async () =>
        {
            await deferred.Task; // another invocation, running while the first one defers
            return buffer.Deferring;
        });

        bool inside, child;
        using (buffer.Defer())
        {
            deferred.SetResult();
            inside = buffer.Deferring;
            child = await Task.Run(() => buffer.Deferring); // work the invocation awaits is part of it
        }

        Assert.True(inside);
        Assert.True(child);
        Assert.False(await sibling);
        Assert.False(buffer.Deferring);
    }

    private static (int, string) Refusal(Action act)
    {
        var refused = Assert.Throws<ApiException>(act);
        return (refused.Status, refused.Code);
    }

    private static readonly EqualityComparer<(OrgId, int[])> Comparer = EqualityComparer<(OrgId, int[])>.Create(
        (a, b) => a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2), w => w.Item1.GetHashCode());
}
