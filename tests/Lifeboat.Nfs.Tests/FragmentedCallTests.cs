using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Tests.Support;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Tests;

/// <summary>
/// RFC 5531 section 11 lets a client cut a record into fragments of any length. Real MOUNT and NFS calls, cut at every
/// byte and into random fragment lengths, must each be answered under their own XID with their own arguments: a WRITE
/// cut across its offset or data lands exactly the bytes it carries.
/// </summary>
public sealed class FragmentedCallTests
{
    [Fact]
    public async Task Every_two_fragment_split_of_real_calls_is_answered_under_its_own_xid()
    {
        await using var server = await NfsTestServer.StartAsync();
        var (vm, disk) = await HandlesAsync(server);
        using var raw = await RawRpcConnection.ConnectAsync(server.Port);
        var xid = 0x4803_0000u;
        foreach (var (procedureName, program, version, procedure, arguments) in RawCalls.ReadOnly(vm, disk))
        {
            var message = RpcMessages.AuthSysCall(xid, program, version, procedure, arguments);
            for (var cut = 0; cut <= message.Length; cut++)
            {
                message = RpcMessages.AuthSysCall(++xid, program, version, procedure, arguments);
                await raw.SendAsync(RpcRecords.FrameAt(message, [cut, message.Length - cut]));
                var reply = await raw.ReceiveReplyAsync();
                Assert.NotNull(reply);
                Assert.True(reply.Xid == xid, $"{procedureName} cut at byte {cut}: reply XID {reply.Xid:x8}, call XID {xid:x8}");
                Assert.True(reply.IsSuccess, $"{procedureName} cut at byte {cut}: {reply.AcceptStatus}");
                Assert.Equal(0u, StatusOf(reply));
            }
        }
    }

    [Fact]
    public async Task Writes_cut_at_every_byte_land_their_own_bytes_at_their_own_offset()
    {
        await using var server = await NfsTestServer.StartAsync();
        var (_, disk) = await HandlesAsync(server);
        using var raw = await RawRpcConnection.ConnectAsync(server.Port);
        var random = new Random(5);
        var expected = server.Disk.Snapshot();
        var data = new byte[100];
        var probe = RpcMessages.AuthSysCall(1, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write, RawCalls.WriteArguments(disk, 0, data));
        var xid = 0x4803_0000u;
        for (var cut = 0; cut <= probe.Length; cut++)
        {
            var offset = (ulong)(cut * 211 % (NfsTestServer.DiskSize - data.Length));
            random.NextBytes(data);
            data.CopyTo(expected, (int)offset);
            var message = RpcMessages.AuthSysCall(++xid, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write, RawCalls.WriteArguments(disk, offset, data));
            await raw.SendAsync(RpcRecords.FrameAt(message, [cut, message.Length - cut]));
            var reply = await raw.ReceiveReplyAsync();
            Assert.NotNull(reply);
            Assert.True(reply.Xid == xid, $"WRITE cut at byte {cut}: reply XID {reply.Xid:x8}, call XID {xid:x8}");
            Assert.Equal(Nfs3Status.Ok, NfsTestClient.DecodeWrite(reply.Results).Status);
        }

        Assert.Equal(expected, server.Disk.Snapshot());
    }

    [Fact]
    public async Task Seeded_random_fragmentations_pipelined_on_one_connection_are_each_answered_once_with_their_bytes()
    {
        await using var server = await NfsTestServer.StartAsync();
        var (vm, disk) = await HandlesAsync(server);
        using var raw = await RawRpcConnection.ConnectAsync(server.Port);
        var random = new Random(2000);
        var expectedDisk = server.Disk.Snapshot();
        var calls = new Dictionary<uint, string>();
        var stream = new ArrayBufferWriter<byte>();
        var readOnly = RawCalls.ReadOnly(vm, disk);
        var xid = 0x4803_0000u;
        for (var i = 0; i < 2000; i++)
        {
            byte[] message;
            xid++;
            if (i % 3 == 0)
            {
                var data = new byte[random.Next(1, 300)];
                random.NextBytes(data);
                // Writes of one round never overlap, so their order on the wire does not matter.
                var offset = (ulong)(i * 1031L % (NfsTestServer.DiskSize - 300));
                data.CopyTo(expectedDisk, (int)offset);
                message = RpcMessages.AuthSysCall(xid, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write, RawCalls.WriteArguments(disk, offset, data, StableHow.Unstable));
                calls[xid] = "WRITE";
            }
            else
            {
                var (name, program, version, procedure, arguments) = readOnly[random.Next(readOnly.Count)];
                message = RpcMessages.AuthSysCall(xid, program, version, procedure, arguments);
                calls[xid] = name;
            }

            stream.Write(RpcRecords.FrameRandomly(message, random, 70));
        }

        var bytes = stream.WrittenMemory;
        var sending = Task.Run(() => raw.SendInPiecesAsync(bytes, new Random(7), 5000));

        for (var i = 0; i < 2000; i++)
        {
            var reply = await raw.ReceiveReplyAsync();
            Assert.NotNull(reply);
            Assert.True(calls.Remove(reply.Xid, out var name), $"reply XID {reply.Xid:x8} answers no call in flight");
            Assert.True(reply.IsSuccess, $"{name} {reply.Xid:x8}: {reply.AcceptStatus}");
            Assert.Equal(0u, StatusOf(reply));
        }

        await sending;
        Assert.Equal(expectedDisk, server.Disk.Snapshot());
    }

    /// <summary>The NFS or MOUNT status that starts every result but NULL's (which has none).</summary>
    private static uint StatusOf(RpcReply reply) => reply.Results.Length == 0 ? 0 : BinaryPrimitives.ReadUInt32BigEndian(reply.Results.Span);

    private static async Task<(byte[] Vm, byte[] Disk)> HandlesAsync(NfsTestServer server)
    {
        await using var client = await server.ConnectAsync();
        var vm = await client.MountOkAsync("/lifeboat/vm1");
        return (vm, await client.LookupOkAsync(vm, "disk0.raw"));
    }
}
