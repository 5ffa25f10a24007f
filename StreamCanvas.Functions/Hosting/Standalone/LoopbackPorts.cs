using System.Net;
using System.Net.Sockets;

namespace StreamCanvas.Hosting.Standalone;

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
