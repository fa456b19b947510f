using System.Diagnostics;
using System.Net.Sockets;

namespace Lifeboat.Testing.Network;

public static class UnixSocketWait
{
    /// <summary>Waits until the server accepts a connection on the socket (its file appears at bind, before it listens).</summary>
    public static void UntilListening(string socket, Process server, Func<string> serverOutput)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (server.HasExited)
                throw new InvalidOperationException($"{server.StartInfo.FileName} exited {server.ExitCode}: {serverOutput()}");
            if (File.Exists(socket))
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    probe.Connect(new UnixDomainSocketEndPoint(socket));
                    return;
                }
                catch (SocketException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
                {
                }
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"{server.StartInfo.FileName} did not listen on {socket} within 60 s.");
            Thread.Sleep(50);
        }
    }
}
