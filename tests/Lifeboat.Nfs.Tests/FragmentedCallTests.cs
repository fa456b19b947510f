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
    private const uint AuthSys = 1;

    [Fact]
    public async Task Every_two_fragment_split_of_real_calls_is_answered_under_its_own_xid()
    {
        await using var server = await NfsTestServer.StartAsync();
        var (vm, disk) = await HandlesAsync(server);
        using var raw = await RawRpc.ConnectAsync(server.Port);
        var xid = 0x4803_0000u;
        foreach (var (procedureName, program, version, procedure, arguments) in ReadOnlyCalls(vm, disk))
        {
            var message = Call(xid, program, version, procedure, arguments);
            for (var cut = 0; cut <= message.Length; cut++)
            {
                message = Call(++xid, program, version, procedure, arguments);
                await raw.SendAsync(Frame(message, [cut, message.Length - cut]));
                var reply = await raw.ReceiveAsync();
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
        using var raw = await RawRpc.ConnectAsync(server.Port);
        var random = new Random(5);
        var expected = server.Disk.Snapshot();
        var data = new byte[100];
        var probe = Call(1, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write, WriteArguments(disk, 0, data));
        var xid = 0x4803_0000u;
        for (var cut = 0; cut <= probe.Length; cut++)
        {
            var offset = (ulong)(cut * 211 % (NfsTestServer.DiskSize - data.Length));
            random.NextBytes(data);
            data.CopyTo(expected, (int)offset);
            var message = Call(++xid, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write, WriteArguments(disk, offset, data));
            await raw.SendAsync(Frame(message, [cut, message.Length - cut]));
            var reply = await raw.ReceiveAsync();
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
        using var raw = await RawRpc.ConnectAsync(server.Port);
        var random = new Random(2000);
        var expectedDisk = server.Disk.Snapshot();
        var calls = new Dictionary<uint, string>();
        var stream = new ArrayBufferWriter<byte>();
        var readOnly = ReadOnlyCalls(vm, disk);
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
                message = Call(xid, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Write, WriteArguments(disk, offset, data, StableHow.Unstable));
                calls[xid] = "WRITE";
            }
            else
            {
                var (name, program, version, procedure, arguments) = readOnly[random.Next(readOnly.Count)];
                message = Call(xid, program, version, procedure, arguments);
                calls[xid] = name;
            }

            var lengths = new List<int>();
            for (var left = message.Length; left > 0;)
            {
                var length = Math.Min(left, random.Next(0, 70));
                lengths.Add(length);
                left -= length;
            }

            stream.Write(Frame(message, lengths));
        }

        var bytes = stream.WrittenMemory;
        var sending = Task.Run(async () =>
        {
            var sendRandom = new Random(7);
            for (var offset = 0; offset < bytes.Length;)
            {
                var length = Math.Min(bytes.Length - offset, sendRandom.Next(1, 5000));
                await raw.SendAsync(bytes.Slice(offset, length));
                offset += length;
            }
        });

        for (var i = 0; i < 2000; i++)
        {
            var reply = await raw.ReceiveAsync();
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

    private static List<(string Name, uint Program, uint Version, uint Procedure, byte[] Arguments)> ReadOnlyCalls(byte[] vm, byte[] disk) =>
    [
        ("NULL", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Null, []),
        ("GETATTR", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.GetAttr, NfsTestClient.Encode(w => w.WriteOpaque(disk))),
        ("LOOKUP", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Lookup, NfsTestClient.Encode(w => new DirOpArgs3(new Nfs3FileHandle(vm), "disk0.raw").Encode(w))),
        ("READ", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Read, NfsTestClient.Encode(w => new Read3Args(new Nfs3FileHandle(disk), 4096, 512).Encode(w))),
        ("READDIRPLUS", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.ReadDirPlus, NfsTestClient.Encode(w => new ReadDirPlus3Args(new Nfs3FileHandle(vm), 0, 0, 8192, 32768).Encode(w))),
        ("MNT", MountConstants.Program, MountConstants.Version, (uint)MountProc3.Mnt, NfsTestClient.Encode(w => w.WriteString("/lifeboat/vm1"))),
    ];

    private static byte[] WriteArguments(byte[] disk, ulong offset, byte[] data, StableHow stable = StableHow.FileSync) =>
        NfsTestClient.Encode(w => new Write3Args(new Nfs3FileHandle(disk), offset, (uint)data.Length, stable, data).Encode(w));

    /// <summary>A call with AUTH_SYS credentials, as QEMU and libnfs send them.</summary>
    private static byte[] Call(uint xid, uint program, uint version, uint procedure, byte[] arguments) => NfsTestClient.Encode(w =>
    {
        w.WriteUInt32(xid);
        w.WriteUInt32((uint)RpcMessageType.Call);
        w.WriteUInt32(RpcCallHeader.RpcVersion);
        w.WriteUInt32(program);
        w.WriteUInt32(version);
        w.WriteUInt32(procedure);
        w.WriteUInt32(AuthSys);
        w.WriteOpaque(NfsTestClient.Encode(body =>
        {
            body.WriteUInt32(0x1234);
            body.WriteString("prober");
            body.WriteUInt32(0);
            body.WriteUInt32(0);
            body.WriteUInt32(0);
        }));
        w.WriteUInt32(0);
        w.WriteOpaque([]);
        w.WriteFixedOpaque(arguments);
    });

    /// <summary>Record-marks a message as fragments of the given lengths (the last one takes what is left).</summary>
    private static byte[] Frame(byte[] message, IReadOnlyList<int> lengths)
    {
        var output = new List<byte>();
        var offset = 0;
        for (var i = 0; i < lengths.Count; i++)
        {
            var last = i == lengths.Count - 1 || offset + lengths[i] >= message.Length;
            var take = last ? message.Length - offset : lengths[i];
            var header = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(header, (last ? 0x8000_0000u : 0) | (uint)take);
            output.AddRange(header);
            output.AddRange(message.AsSpan(offset, take).ToArray());
            offset += take;
            if (last)
            {
                break;
            }
        }

        return [.. output];
    }

    /// <summary>A bare socket: the calls go out exactly as framed here, replies are read one record at a time.</summary>
    private sealed class RawRpc : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
        private readonly Socket _socket;

        private RawRpc(Socket socket) => _socket = socket;

        public static async Task<RawRpc> ConnectAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return new RawRpc(socket);
        }

        public async Task SendAsync(ReadOnlyMemory<byte> bytes)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (!bytes.IsEmpty)
            {
                bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token)..];
            }
        }

        public async Task<RpcReply> ReceiveAsync()
        {
            var header = new byte[4];
            await ReadExactlyAsync(header);
            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7FFF_FFFF];
            await ReadExactlyAsync(body);
            return RpcReply.Parse(body);
        }

        public void Dispose() => _socket.Dispose();

        private async Task ReadExactlyAsync(byte[] buffer)
        {
            using var timeout = new CancellationTokenSource(Patience);
            for (var read = 0; read < buffer.Length;)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
                Assert.True(n > 0, "the server closed the connection");
                read += n;
            }
        }
    }
}
