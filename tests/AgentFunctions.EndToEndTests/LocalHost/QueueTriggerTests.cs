using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Queues;

namespace AgentFunctions.EndToEndTests.LocalHost;

public sealed class QueueTriggerTests(TestWorkerHost host) : IClassFixture<TestWorkerHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private QueueClient Queue(string name) =>
        new(host.Azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

    [Fact]
    public async Task Work_MessageSent_FunctionGetsItWithTriggerMetadataAndItIsDeleted()
    {
        var text = $"hello-{Guid.NewGuid():N}";
        var work = new QueueClient(host.Azurite.ConnectionString, TestWorkerHost.WorkQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await work.CreateIfNotExistsAsync();
        var sent = await work.SendMessageAsync(text);

        var attempts = await WaitForAttemptsAsync(text, 1);

        var attempt = Assert.Single(attempts);
        Assert.Equal(sent.Value.MessageId, attempt.GetProperty("id").GetString());
        Assert.Equal("1", attempt.GetProperty("dequeueCount").GetString());
        Assert.False(string.IsNullOrEmpty(attempt.GetProperty("insertionTime").GetString()));
        Assert.False(string.IsNullOrEmpty(attempt.GetProperty("popReceipt").GetString()));
        await WaitUntilAsync(async () => (await work.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0, "the message was not deleted after success");
    }

    [Fact]
    public async Task Work_MessageKeepsFailing_MovedToPoisonQueueAfterMaxDequeueCount()
    {
        var text = $"fail-{Guid.NewGuid():N}";
        var work = new QueueClient(host.Azurite.ConnectionString, TestWorkerHost.WorkQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await work.CreateIfNotExistsAsync();
        await work.SendMessageAsync(text);

        var poison = new QueueClient(host.Azurite.ConnectionString, TestWorkerHost.WorkQueue + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        string? poisoned = null;
        await WaitUntilAsync(async () =>
        {
            if (!(await poison.ExistsAsync()).Value)
            {
                return false;
            }

            var messages = (await poison.PeekMessagesAsync(32)).Value;
            poisoned = messages.Select(m => m.Body.ToString()).FirstOrDefault(b => b == text);
            return poisoned is not null;
        }, "the failing message never reached the poison queue");
        var attempts = await WaitForAttemptsAsync(text, 2);

        // maxDequeueCount is 2 (set by the fixture over host.json's 3): exactly two attempts, then poison.
        Assert.Equal(["1", "2"], attempts.Select(a => a.GetProperty("dequeueCount").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(text, poisoned);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(2, (await ReadAttemptsAsync(text)).Count);
    }

    [Fact]
    public async Task AdminInvoke_QueueFunction_RunsItWithTheInput()
    {
        var text = $"admin-{Guid.NewGuid():N}";

        var response = await host.Client.PostAsJsonAsync(new Uri("admin/functions/Work", UriKind.Relative), new { input = text });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(await WaitForAttemptsAsync(text, 1));
    }

    [Fact]
    public async Task AdminInvoke_HttpFunction_Returns400()
    {
        var response = await host.Client.PostAsJsonAsync(new Uri("admin/functions/Echo", UriKind.Relative), new { input = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<List<JsonElement>> WaitForAttemptsAsync(string message, int count)
    {
        List<JsonElement> attempts = [];
        await WaitUntilAsync(async () => (attempts = await ReadAttemptsAsync(message)).Count >= count, $"fewer than {count} attempts for '{message}'");
        return attempts;
    }

    private async Task<List<JsonElement>> ReadAttemptsAsync(string message)
    {
        var attempts = Queue("attempts");
        if (!(await attempts.ExistsAsync()).Value)
        {
            return [];
        }

        return (await attempts.PeekMessagesAsync(32)).Value
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement)
            .Where(a => a.GetProperty("message").GetString() == message)
            .ToList();
    }

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{failure} within {Patience.TotalSeconds} s.\n{host.Output}");
            }

            await Task.Delay(100);
        }
    }
}
