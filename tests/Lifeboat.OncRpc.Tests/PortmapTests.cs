using System.Buffers;
using System.Globalization;
using System.Net;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

public sealed class PortmapTests : IAsyncLifetime
{
    private const uint Mount = 100005;
    private const uint Nfs = 100003;
    private readonly PortmapProgram _portmap = new();
    private RpcServer _server = null!;

    public Task InitializeAsync()
    {
        _server = new RpcServer([_portmap, new TestProgram()]);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Set_getport_dump_unset_through_the_client()
    {
        await using var client = await PortmapClient.ConnectAsync(_server.LocalEndPoint);
        await client.NullAsync();

        Assert.True(await client.SetAsync(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)));
        Assert.True(await client.SetAsync(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049)));
        Assert.True(await client.SetAsync(new PortmapMapping(Nfs, 3, PortmapProtocol.Udp, 2049)));
        Assert.False(await client.SetAsync(new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 1234)));

        Assert.Equal(20048u, await client.GetPortAsync(Mount, 3, PortmapProtocol.Tcp));
        Assert.Equal(0u, await client.GetPortAsync(Mount, 1, PortmapProtocol.Tcp));
        Assert.Equal(0u, await client.GetPortAsync(Mount, 3, PortmapProtocol.Udp));
        Assert.Equal(
            [
                new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049),
                new PortmapMapping(Nfs, 3, PortmapProtocol.Udp, 2049),
                new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048),
            ],
            await client.DumpAsync());

        Assert.True(await client.UnsetAsync(Nfs, 3));
        Assert.False(await client.UnsetAsync(Nfs, 3));
        Assert.Equal(0u, await client.GetPortAsync(Nfs, 3, PortmapProtocol.Tcp));
        Assert.Equal([new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)], await client.DumpAsync());
    }

    [Fact]
    public async Task Dump_of_an_empty_table_is_an_empty_list()
    {
        await using var client = await PortmapClient.ConnectAsync(_server.LocalEndPoint);
        Assert.Empty(await client.DumpAsync());
    }

    [Fact]
    public async Task Callit_and_unknown_procedures_are_proc_unavail()
    {
        await using var client = await RpcClient.ConnectAsync(_server.LocalEndPoint);
        var callit = await client.CallAsync(PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.CallIt);
        var unknown = await client.CallAsync(PortmapProgram.ProgramNumber, 2, 99);
        var version3 = await client.CallAsync(PortmapProgram.ProgramNumber, 3, 0);
        Assert.Equal(RpcAcceptStatus.ProcUnavail, callit.AcceptStatus);
        Assert.Equal(RpcAcceptStatus.ProcUnavail, unknown.AcceptStatus);
        Assert.Equal(RpcAcceptStatus.ProgMismatch, version3.AcceptStatus);
        Assert.Equal((2u, 2u), (version3.MismatchLow, version3.MismatchHigh));
    }

    [Fact]
    public async Task Set_arguments_cut_short_are_garbage_args()
    {
        await using var client = await RpcClient.ConnectAsync(_server.LocalEndPoint);
        var reply = await client.CallAsync(PortmapProgram.ProgramNumber, 2, (uint)PortmapProcedure.Set, new byte[] { 0, 1, 0x86, 0xA5 });
        Assert.Equal(RpcAcceptStatus.GarbageArgs, reply.AcceptStatus);
    }

    [Fact]
    public async Task Set_and_unset_from_a_remote_address_are_refused()
    {
        _portmap.Set(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049));
        var remote = new IPEndPoint(IPAddress.Parse("192.0.2.10"), 900);

        Assert.False(await CallBoolAsync(remote, PortmapProcedure.Set, new PortmapMapping(Mount, 3, PortmapProtocol.Tcp, 20048)));
        Assert.False(await CallBoolAsync(remote, PortmapProcedure.Unset, new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 0)));
        Assert.Equal([new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049)], _portmap.GetMappings());
    }

    [Fact]
    public void Ports_outside_the_tcp_range_and_a_full_table_are_refused()
    {
        Assert.False(_portmap.Set(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 0)));
        Assert.False(_portmap.Set(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 70000)));
        for (uint i = 0; i < PortmapProgram.MaxMappings; i++)
        {
            Assert.True(_portmap.Set(new PortmapMapping(400000 + i, 1, PortmapProtocol.Tcp, 1000)));
        }

        Assert.False(_portmap.Set(new PortmapMapping(Nfs, 3, PortmapProtocol.Tcp, 2049)));
    }

    [Fact]
    public async Task Rpcinfo_sees_portmap_and_the_other_programs_on_the_server_port()
    {
        await Rpcinfo.AssertProgramsAnswerAsync(_server.Port, "tcp");
    }

    private async Task<bool> CallBoolAsync(IPEndPoint remote, PortmapProcedure procedure, PortmapMapping mapping)
    {
        var arguments = new ArrayBufferWriter<byte>();
        mapping.WriteTo(new XdrWriter(arguments));
        var call = new RpcCall(1, PortmapProgram.ProgramNumber, 2, (uint)procedure, RpcCredentials.None, arguments.WrittenMemory, Lifeboat.OncRpc.Peers.RpcPeer.Datagram(remote), 1);
        var results = new ArrayBufferWriter<byte>();
        Assert.Equal(RpcAcceptStatus.Success, await _portmap.DispatchAsync(call, results, CancellationToken.None));
        return new XdrReader(results.WrittenSpan).ReadBool();
    }
}
