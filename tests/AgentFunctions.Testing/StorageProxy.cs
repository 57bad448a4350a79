using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentFunctions.Testing;

/// <summary>What <see cref="StorageProxy"/> does with connections.</summary>
public enum StorageProxyMode
{
    /// <summary>Relays bytes unchanged (signatures stay valid).</summary>
    Forward,

    /// <summary>Storage refuses: open connections are cut and every new one is reset at once.</summary>
    Refuse,

    /// <summary>Storage does not answer: nothing more is relayed, open and new connections are held silent.</summary>
    Hang,
}

/// <summary>
/// A loopback TCP proxy in front of one Azurite endpoint. It counts the HTTP requests passing through it (one per
/// request line; bodies are skipped by <c>Content-Length</c>) and, per request, the time from its first byte to the
/// first byte of the answer; and it can imitate a storage outage (<see cref="Mode"/>): refusing connections or
/// hanging them. Azurite itself keeps its data, so what was written before an outage is there after it.
/// </summary>
public sealed class StorageProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private TaskCompletionSource _forwarding = Completed();
    private StorageProxyMode _mode;

    public StorageProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// The least time from a request's first byte to its answer's (default none): stands in for the round trip to a
    /// storage account in another machine, for benchmarks that compare paths by their round trips rather than by the CPU
    /// a local Azurite takes.
    /// </summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Switches the proxy; leaving <see cref="StorageProxyMode.Forward"/> affects open connections too.</summary>
    public StorageProxyMode Mode
    {
        get => _mode;
        set
        {
            lock (_gate)
            {
                if (value == _mode)
                {
                    return;
                }

                if (value == StorageProxyMode.Forward)
                {
                    _mode = value;
                    _forwarding.TrySetResult(); // held connections close now; clients open fresh ones
                    return;
                }

                if (_mode == StorageProxyMode.Forward)
                {
                    _forwarding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                _mode = value;
                if (value == StorageProxyMode.Refuse)
                {
                    foreach (var client in _open.Keys)
                    {
                        Reset(client);
                    }
                }
            }
        }
    }

    /// <summary>Takes every request counted since the last call.</summary>
    public IReadOnlyList<ProxiedRequest> Drain()
    {
        var drained = new List<ProxiedRequest>();
        while (_requests.TryDequeue(out var r))
        {
            drained.Add(r);
        }

        return drained;
    }

    /// <summary>Azurite's connection string with the endpoints the given proxies stand in front of replaced by them.</summary>
    public static string ConnectionString(AzuriteFixture azurite, StorageProxy? blob = null, StorageProxy? queue = null, StorageProxy? table = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        return azurite.ConnectionString
            .Replace($":{azurite.BlobPort}/", $":{blob?.Port ?? azurite.BlobPort}/", StringComparison.Ordinal)
            .Replace($":{azurite.QueuePort}/", $":{queue?.Port ?? azurite.QueuePort}/", StringComparison.Ordinal)
            .Replace($":{azurite.TablePort}/", $":{table?.Port ?? azurite.TablePort}/", StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _forwarding.TrySetResult();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        foreach (var client in _open.Keys)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            client.LingerState = new LingerOption(true, 0); // close with RST, as a refusing server does
            client.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            StorageProxyMode mode;
            Task forwarding;
            lock (_gate)
            {
                mode = _mode;
                forwarding = _forwarding.Task;
            }

            switch (mode)
            {
                case StorageProxyMode.Refuse:
                    Reset(client);
                    break;
                case StorageProxyMode.Hang:
                    _ = Task.Run(() => HoldAsync(client, forwarding));
                    break;
                default:
                    _ = Task.Run(() => RelayAsync(client));
                    break;
            }
        }
    }

    /// <summary>Reads and drops what the client sends, answers nothing, until storage is back; then closes.</summary>
    private async Task HoldAsync(TcpClient client, Task forwarding)
    {
        using (client)
        {
            _open.TryAdd(client, 0);
            try
            {
                var buffer = new byte[16 * 1024];
                var stream = client.GetStream();
                var read = stream.ReadAsync(buffer, _stop.Token).AsTask();
                while (await Task.WhenAny(read, forwarding) == read && await read > 0)
                {
                    read = stream.ReadAsync(buffer, _stop.Token).AsTask();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                _open.TryRemove(client, out _);
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            _open.TryAdd(client, 0);
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var pending = new ConcurrentQueue<(string, long)>();
                var up = PumpRequestsAsync(client.GetStream(), server.GetStream(), pending);
                var down = PumpResponsesAsync(server.GetStream(), client.GetStream(), pending);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
            }
            finally
            {
                _open.TryRemove(client, out _);
            }
        }
    }

    /// <summary>Before relaying a chunk: while storage "hangs" nothing passes; the connection closes once it is back.</summary>
    private async Task<bool> MayRelayAsync()
    {
        Task forwarding;
        lock (_gate)
        {
            if (_mode == StorageProxyMode.Forward)
            {
                return true;
            }

            forwarding = _forwarding.Task;
        }

        await forwarding.WaitAsync(_stop.Token);
        return false;
    }

    private async Task PumpRequestsAsync(NetworkStream from, NetworkStream to, ConcurrentQueue<(string, long)> pending)
    {
        var buffer = new byte[64 * 1024];
        var header = new List<byte>();
        long bodyLeft = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (!await MayRelayAsync())
            {
                return;
            }

            for (var i = 0; i < read; i++)
            {
                if (bodyLeft > 0)
                {
                    var skip = (int)Math.Min(bodyLeft, read - i);
                    bodyLeft -= skip;
                    i += skip - 1;
                    continue;
                }

                header.Add(buffer[i]);
                if (header.Count >= 4 && header[^1] == '\n' && header[^2] == '\r' && header[^3] == '\n' && header[^4] == '\r')
                {
                    var text = Encoding.ASCII.GetString([.. header]);
                    header.Clear();
                    var lines = text.Split("\r\n");
                    var parts = lines[0].Split(' ');
                    var path = parts[1].Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
                    var table = path.Length > 1 ? path[1].Split('(')[0] : "/";
                    pending.Enqueue(($"{parts[0]} {table}", Stopwatch.GetTimestamp()));
                    bodyLeft = lines.Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        .Select(l => long.Parse(l["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    /// <summary>Azurite answers requests on one connection in order: the first answer bytes after a request close its time.</summary>
    private async Task PumpResponsesAsync(NetworkStream from, NetworkStream to, ConcurrentQueue<(string Request, long Started)> pending)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (!await MayRelayAsync())
            {
                return;
            }

            if (Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 5)) == "HTTP/" && pending.TryDequeue(out var request))
            {
                if (Latency - Stopwatch.GetElapsedTime(request.Started) is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                _requests.Enqueue(new ProxiedRequest(request.Request, request.Started, Stopwatch.GetElapsedTime(request.Started).TotalMilliseconds));
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
