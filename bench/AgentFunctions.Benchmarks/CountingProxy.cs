using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// A loopback TCP proxy in front of one Azurite endpoint that counts the HTTP requests passing through it
/// (one per request line; bodies are skipped by <c>Content-Length</c>) and, per request, the time from its
/// first byte to the first byte of the answer. Bytes are forwarded unchanged, so signatures stay valid.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(string Request, double Ms)> _requests = new();
    private readonly Task _accepting;

    public CountingProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Takes every request counted since the last call: "METHOD /table-or-path" and its time to first answer byte.</summary>
    public IReadOnlyList<(string Request, double Ms)> Drain()
    {
        var drained = new List<(string, double)>();
        while (_requests.TryDequeue(out var r))
        {
            drained.Add(r);
        }

        return drained;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var pending = new ConcurrentQueue<(string, long)>();
                var up = PumpRequestsAsync(client.GetStream(), server.GetStream(), pending);
                var down = PumpResponsesAsync(server.GetStream(), client.GetStream(), pending);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task PumpRequestsAsync(NetworkStream from, NetworkStream to, ConcurrentQueue<(string, long)> pending)
    {
        var buffer = new byte[64 * 1024];
        var header = new List<byte>();
        long bodyLeft = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
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
            if (Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 5)) == "HTTP/" && pending.TryDequeue(out var request))
            {
                _requests.Enqueue((request.Request, Stopwatch.GetElapsedTime(request.Started).TotalMilliseconds));
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
