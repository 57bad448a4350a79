using AgentFunctions.Testing;

namespace AgentFunctions.EndToEndTests.OpenAi;

/// <summary>
/// The <see cref="OpenAiHost"/> set-up (authentication on, org keys, the official clients) with a <see cref="StorageProxy"/>
/// between the app and Azurite's table endpoint, so a test can take storage away in the middle of a stream, and a
/// short <c>Http__StreamWriteTimeout</c> (2 s) so a client that stops reading is cut quickly.
/// </summary>
public sealed class StreamingFaultHost : OpenAiHost
{
    public static readonly TimeSpan StreamWriteTimeout = TimeSpan.FromSeconds(2);

    public StreamingFaultHost()
        : base(new AzuriteFixture())
    {
    }

    public StorageProxy TableProxy { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        TableProxy = new StorageProxy(Azurite.TablePort);
        Environment["AzureWebJobsStorage"] = StorageProxy.ConnectionString(Azurite, table: TableProxy);
        Environment["Http__StreamWriteTimeout"] = StreamWriteTimeout.ToString();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await TableProxy.DisposeAsync();
            await Azurite.DisposeAsync();
        }
    }
}
