using System.Net;
using System.Net.Sockets;

namespace StreamCanvas.Testing;

/// <summary>
/// For what must know its port before it starts (a separate process, Azurite). Servers in this process bind
/// port 0 instead and read back the port they got, which leaves no race at all.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>A loopback port the OS just handed out (free now; a rare race with another process remains).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
