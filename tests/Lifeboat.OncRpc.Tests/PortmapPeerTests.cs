using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Server;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Portmap against real peers: Debian's rpcinfo and rpcbind, each in a private network namespace on port 111.</summary>
public sealed class PortmapPeerTests
{
    private const uint Mount = 100005;

    [Fact]
    public async Task Rpcinfo_dumps_our_portmap_served_on_port_111()
    {
        using var network = await IsolatedNetwork.CreateAsync();
        var portmap = new PortmapProgram();
        var program = new TestProgram();
        await using var server = await network.Run(() =>
        {
            var s = new RpcServer([portmap, program], new RpcServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, PortmapClient.DefaultPort) });
            s.Start();
            return s;
        });
        Assert.True(portmap.Set(new PortmapMapping(PortmapProgram.ProgramNumber, 2, PortmapProtocol.Tcp, 111)));
        Assert.True(portmap.Set(new PortmapMapping(TestProgram.Number, 1, PortmapProtocol.Tcp, 111)));
        Assert.True(portmap.Set(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)));

        // rpcinfo -s asks rpcbind v3 DUMP, gets PROG_MISMATCH (2-2) and falls back to portmap v2 DUMP over TCP.
        // (rpcinfo -p asks over UDP: see the test below, which serves UDP too.)
        var dump = await network.RunAsync(() => Tools.RunAsync("rpcinfo", "-s", "127.0.0.1"));
        Assert.True(dump.ExitCode == 0, dump.Output);
        var rows = Rpcinfo.Rows(dump.Output, 3);
        Assert.Equal(["100000 2 tcp", "100005 3 tcp", $"{TestProgram.Number} 1 tcp"], rows);

        Assert.True(portmap.Unset(Mount, 3));
        var after = await network.RunAsync(() => Tools.RunAsync("rpcinfo", "-s", "127.0.0.1"));
        Assert.DoesNotContain("100005", after.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpcinfo_p_lists_our_portmap_served_over_udp_and_tcp_on_port_111()
    {
        using var network = await IsolatedNetwork.CreateAsync();
        var portmap = new PortmapProgram();
        var port111 = new IPEndPoint(IPAddress.Loopback, PortmapClient.DefaultPort);
        await using var tcp = await network.Run(() =>
        {
            var s = new RpcServer([portmap], new RpcServerOptions { EndPoint = port111 });
            s.Start();
            return s;
        });
        await using var udp = await network.Run(() =>
        {
            var s = new RpcDatagramServer([portmap], new RpcDatagramServerOptions { EndPoint = port111 });
            s.Start();
            return s;
        });
        Assert.True(portmap.Set(new PortmapMapping(PortmapProgram.ProgramNumber, 2, PortmapProtocol.Tcp, 111)));
        Assert.True(portmap.Set(new PortmapMapping(PortmapProgram.ProgramNumber, 2, PortmapProtocol.Udp, 111)));
        Assert.True(portmap.Set(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)));

        var dump = await network.RunAsync(() => Tools.RunAsync("rpcinfo", "-p", "127.0.0.1"));
        Assert.True(dump.ExitCode == 0, dump.Output);
        var rows = Rpcinfo.Rows(dump.Output, 4);
        Assert.Equal(["100000 2 tcp 111", "100000 2 udp 111", "100005 3 tcp 20048"], rows);
        Assert.True(udp.CallCount > 0, "rpcinfo -p did not ask over UDP");

        // -n PORT asks portmap on port 111 over UDP whether the program is registered, then pings it on PORT.
        var program = new TestProgram();
        await using var other = await network.Run(() =>
        {
            var s = new RpcDatagramServer([program], new RpcDatagramServerOptions());
            s.Start();
            return s;
        });
        Assert.True(portmap.Set(new PortmapMapping(TestProgram.Number, 2, PortmapProtocol.Udp, (uint)other.Port)));
        var ping = await network.RunAsync(() => Tools.RunAsync("rpcinfo", "-n", other.Port.ToString(CultureInfo.InvariantCulture), "-u", "127.0.0.1", TestProgram.Number.ToString(CultureInfo.InvariantCulture), "2"));
        Assert.True(ping.ExitCode == 0, ping.Output);
        Assert.Contains($"program {TestProgram.Number} version 2 ready and waiting", ping.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_client_registers_with_a_real_rpcbind()
    {
        using var network = await IsolatedNetwork.CreateAsync();
        using var rpcbind = await network.Run(StartRpcbind);
        try
        {
            await network.RunAsync(WaitForPort111Async);
            await using var client = await network.RunAsync(() => PortmapClient.ConnectAsync());
            await client.NullAsync();
            await client.UnsetAsync(Mount, 3);

            Assert.True(await client.SetAsync(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)));
            Assert.Equal(20048u, await client.GetPortAsync(Mount, 3, PortmapProtocol.Tcp));
            Assert.Contains(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048), await client.DumpAsync());
            var seen = await network.RunAsync(() => Tools.RunAsync("rpcinfo", "-p", "127.0.0.1"));
            Assert.Matches(@"100005\s+3\s+tcp\s+20048\s+mountd", seen.Output);

            Assert.True(await client.UnsetAsync(Mount, 3));
            Assert.Equal(0u, await client.GetPortAsync(Mount, 3, PortmapProtocol.Tcp));
        }
        finally
        {
            rpcbind.Kill();
            await rpcbind.WaitForExitAsync();
        }
    }

    /// <summary>rpcbind with a private /run (its lock and socket files), so it cannot meet the machine's.</summary>
    private static Process StartRpcbind()
    {
        var start = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs tmpfs /run && exec rpcbind -f" })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start rpcbind.");
    }

    private static async Task<bool> WaitForPort111Async()
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(IPAddress.Loopback, PortmapClient.DefaultPort);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        throw new TimeoutException("rpcbind did not start listening on port 111 within 6 seconds.");
    }
}
