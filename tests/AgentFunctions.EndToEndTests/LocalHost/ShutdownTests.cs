namespace AgentFunctions.EndToEndTests.LocalHost;

/// <summary>Each test starts its own host: these tests stop it.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_RealWorker_HostExitsCleanlyAndNoWorkerSurvives()
    {
        var host = new AgentFunctionsHost();
        await host.InitializeAsync();
        try
        {
            Assert.True(host.WorkerIsRunning());

            await host.StopAsync();

            Assert.Equal(0, host.HostExitCode);
            Assert.False(host.WorkerIsRunning(), $"worker {host.WorkerProcessId} survived the host\n{host.Output}");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sigterm_RequestInFlight_FinishesBeforeTheWorkerStops()
    {
        var host = new TestWorkerHost();
        await host.InitializeAsync();
        try
        {
            using var response = await host.Client.GetAsync(new Uri("test/slow/1500", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("data: first", await reader.ReadLineAsync());

            var stopping = host.StopAsync();
            var rest = await reader.ReadToEndAsync();
            await stopping;

            Assert.Contains("data: last", rest, StringComparison.Ordinal);
            Assert.Equal(0, host.HostExitCode);
            Assert.False(host.WorkerIsRunning());
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
