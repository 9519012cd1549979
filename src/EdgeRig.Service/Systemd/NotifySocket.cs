using System.Net.Sockets;
using System.Text;

namespace EdgeRig.Service.Systemd;

/// <summary>Sends sd_notify messages ("WATCHDOG=1") as one datagram to the unix socket systemd names in NOTIFY_SOCKET.</summary>
public static class NotifySocket
{
    /// <summary>Sends the message; a path starting with '@' is in the abstract namespace.</summary>
    public static void Send(string path, string message)
    {
        string address = path.StartsWith('@') ? "\0" + path[1..] : path;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.SendTo(Encoding.ASCII.GetBytes(message), new UnixDomainSocketEndPoint(address));
    }
}
