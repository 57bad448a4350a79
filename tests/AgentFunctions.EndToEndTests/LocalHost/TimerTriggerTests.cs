using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;

namespace AgentFunctions.EndToEndTests.LocalHost;

public sealed class TimerTriggerTests(TestWorkerHost host) : IClassFixture<TestWorkerHost>
{
    [Fact]
    public async Task Tick_ScheduleEveryTwoSeconds_RunsOnTheScheduleWithItsStatus()
    {
        var ticks = new QueueClient(host.Azurite.ConnectionString, "ticks", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await ticks.CreateIfNotExistsAsync();
        await ticks.ClearMessagesAsync();

        var runs = new List<JsonElement>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (runs.Count < 3 && DateTime.UtcNow < deadline)
        {
            foreach (var message in (await ticks.ReceiveMessagesAsync(32)).Value)
            {
                runs.Add(JsonDocument.Parse(message.Body.ToString()).RootElement.Clone());
                await ticks.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            await Task.Delay(200);
        }

        Assert.True(runs.Count >= 3, $"{runs.Count} timer runs in 30 s");
        // On the schedule: every run is for an even-second occurrence (the status's next one), one run per occurrence.
        var next = runs.Select(r => r.GetProperty("next").GetDateTime()).Order().ToList();
        Assert.All(next, t => Assert.Equal((0, 0), (t.Second % 2, t.Millisecond)));
        Assert.All(next.Zip(next.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"two runs before the occurrence {pair.First:O}"));
        Assert.All(runs, r => Assert.True(r.GetProperty("next").GetDateTime() > r.GetProperty("at").GetDateTime().AddSeconds(-2.5)));
    }

    [Fact]
    public async Task HostStatus_TimerFunction_ListedWithItsTrigger()
    {
        using var status = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri("admin/host/status", UriKind.Relative)));

        var tick = status.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "Tick");
        Assert.Equal("timerTrigger", tick.GetProperty("trigger").GetString());
    }
}
