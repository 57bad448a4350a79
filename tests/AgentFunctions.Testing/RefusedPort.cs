using System.Net;
using System.Net.Sockets;

namespace AgentFunctions.Testing;

/// <summary>
/// A port of 127.0.0.1 where connections are refused for as long as this lives: a socket is bound to it but
/// never listens, so the kernel answers every connection attempt with a reset, and no other socket (in this or
/// another process) can bind or listen on the port meanwhile. Unlike a port that was free a moment ago, nothing
/// can start answering on it during the test.
/// </summary>
public sealed class RefusedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // .NET on Linux binds TCP sockets with SO_REUSEADDR; while it is set, another SO_REUSEADDR socket (Node,
        // Kestrel, TcpListener) may still bind and listen on a port held by a socket that is not listening.
        var (solSocket, soReuseAddr) = OperatingSystem.IsLinux() ? (1, 2) : (0xffff, 4); // same values on macOS and Windows
        _socket.SetRawSocketOption(solSocket, soReuseAddr, BitConverter.GetBytes(0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
