using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Server;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Benchmarks.Transport;

/// <summary>
/// An NFS server and an NBD server over one in-memory disk, each with a blocking client socket that sends
/// <c>depth</c> 4 KiB READs at once and reads their replies: the servers' share of a READ, through their public
/// API only, so the same file measures a build before and after a change of the connection code.
/// </summary>
internal sealed class ReadServers : IAsyncDisposable
{
    public const int ReadSize = 4096;
    private const int DiskSize = 64 << 20;
    private const int NbdReplyHeaderSize = 16;

    private readonly string _cacheFolder = Directory.CreateTempSubdirectory("lifeboat-read-bench-").FullName;
    private NfsServer _nfs = null!;
    private NbdServer _nbd = null!;
    private Socket _nfsSocket = null!;
    private Socket _nbdSocket = null!;
    private byte[] _nfsCalls = [];
    private byte[] _nbdCalls = [];
    private byte[] _nfsReplies = [];
    private byte[] _nbdReplies = [];

    public static async Task<ReadServers> StartAsync(int depth)
    {
        var servers = new ReadServers();
        await servers.StartNfsAsync(depth);
        await servers.StartNbdAsync(depth);
        return servers;
    }

    /// <summary>Sends depth NFS READs in one write and waits for all their replies.</summary>
    public void NfsRound() => Round(_nfsSocket, _nfsCalls, _nfsReplies);

    /// <summary>Sends depth NBD READs in one write and waits for all their replies.</summary>
    public void NbdRound() => Round(_nbdSocket, _nbdCalls, _nbdReplies);

    public async ValueTask DisposeAsync()
    {
        _nfsSocket.Dispose();
        _nbdSocket.Dispose();
        await _nfs.DisposeAsync();
        await _nbd.DisposeAsync();
        Directory.Delete(_cacheFolder, recursive: true);
    }

    private static void Round(Socket socket, byte[] calls, byte[] replies)
    {
        socket.Send(calls);
        var received = 0;
        while (received < replies.Length)
        {
            var n = socket.Receive(replies, received, replies.Length - received, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidOperationException("The server closed the benchmark's connection.");
            }

            received += n;
        }
    }

    private async Task StartNfsAsync(int depth)
    {
        _nfs = new NfsServer(new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 });
        await _nfs.StartAsync();
        _nfs.Publish("bench", [], [new MemoryDisk(DiskSize)], _cacheFolder);
        var root = RpcCredentials.FromSys(new AuthSysParameters(1, "bench", 0, 0, []));
        await using var client = await RpcClient.ConnectAsync(_nfs.LocalEndPoint, new RpcClientOptions { Credentials = root });
        var mount = await client.CallAsync(MountConstants.Program, MountConstants.Version, (uint)MountProc3.Mnt, Encode(w => w.WriteString(_nfs.Datastore.ExportPath)));
        var handle = ReadMountHandle(mount.EnsureSuccess().Results);
        handle = await LookupAsync(client, handle, "bench");
        handle = await LookupAsync(client, handle, DatastoreNames.RawDisk(0));

        var calls = new ArrayBufferWriter<byte>();
        var random = new Random(1);
        for (var i = 0; i < depth; i++)
        {
            var start = calls.WrittenCount;
            calls.GetSpan(4).Clear();
            calls.Advance(4);
            var writer = new XdrWriter(calls);
            RpcMessageEncoder.WriteCallHeader(writer, (uint)i + 1, Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Read, root);
            new Nfs3FileHandle(handle).Encode(writer);
            writer.WriteUInt64((ulong)random.Next(DiskSize / ReadSize) * ReadSize);
            writer.WriteUInt32(ReadSize);
            var record = calls.WrittenSpan[start..].ToArray();
            RecordMarkingReader.WriteLastFragmentHeader(record, record.Length - 4);
            calls.ResetWrittenCount();
            _nfsCalls = [.. _nfsCalls, .. record];
        }

        _nfsSocket = Connect(_nfs.LocalEndPoint);
        var one = _nfsCalls.AsSpan(0, _nfsCalls.Length / depth).ToArray();
        _nfsSocket.Send(one);
        var mark = new byte[4];
        Round(_nfsSocket, [], mark);
        var replyLength = (int)(BinaryPrimitives.ReadUInt32BigEndian(mark) & 0x7fffffff);
        Round(_nfsSocket, [], new byte[replyLength]);
        _nfsReplies = new byte[(4 + replyLength) * depth];
    }

    private async Task StartNbdAsync(int depth)
    {
        var exports = new NbdExportTable();
        exports.Set("disk", new MemoryDevice(DiskSize));
        _nbd = new NbdServer(exports);
        _nbd.Start();
        _nbdSocket = Connect((IPEndPoint)_nbd.LocalEndPoint);
        Round(_nbdSocket, [], new byte[18]);
        var name = Encoding.ASCII.GetBytes("disk");
        var hello = new byte[4 + 16 + name.Length];
        BinaryPrimitives.WriteUInt32BigEndian(hello, 3); // fixed newstyle, no zeroes
        BinaryPrimitives.WriteUInt64BigEndian(hello.AsSpan(4), 0x49484156454F5054); // IHAVEOPT
        BinaryPrimitives.WriteUInt32BigEndian(hello.AsSpan(12), 1); // NBD_OPT_EXPORT_NAME
        BinaryPrimitives.WriteUInt32BigEndian(hello.AsSpan(16), (uint)name.Length);
        name.CopyTo(hello.AsSpan(20));
        Round(_nbdSocket, hello, new byte[10]);

        _nbdCalls = new byte[28 * depth];
        var random = new Random(2);
        for (var i = 0; i < depth; i++)
        {
            var call = _nbdCalls.AsSpan(28 * i, 28);
            BinaryPrimitives.WriteUInt32BigEndian(call, 0x25609513);
            BinaryPrimitives.WriteUInt16BigEndian(call[6..], 0); // NBD_CMD_READ
            BinaryPrimitives.WriteUInt64BigEndian(call[8..], (ulong)i);
            BinaryPrimitives.WriteUInt64BigEndian(call[16..], (ulong)random.Next(DiskSize / ReadSize) * ReadSize);
            BinaryPrimitives.WriteUInt32BigEndian(call[24..], ReadSize);
        }

        _nbdReplies = new byte[(NbdReplyHeaderSize + ReadSize) * depth];
        await Task.CompletedTask;
    }

    private static Socket Connect(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(endPoint);
        return socket;
    }

    private static async Task<byte[]> LookupAsync(RpcClient client, byte[] directory, string name)
    {
        var reply = await client.CallAsync(Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Lookup, Encode(w => new DirOpArgs3(new Nfs3FileHandle(directory), name).Encode(w)));
        var reader = new XdrReader(reply.EnsureSuccess().Results.Span);
        if (reader.ReadUInt32() != 0)
        {
            throw new InvalidOperationException($"LOOKUP of '{name}' failed.");
        }

        return reader.ReadOpaque(Nfs3Constants.FhSize).ToArray();
    }

    private static byte[] ReadMountHandle(ReadOnlyMemory<byte> results)
    {
        var reader = new XdrReader(results.Span);
        if (reader.ReadUInt32() != 0)
        {
            throw new InvalidOperationException("MNT of the export failed.");
        }

        return reader.ReadOpaque(Nfs3Constants.FhSize).ToArray();
    }

    private static byte[] Encode(Action<XdrWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new XdrWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    private sealed class MemoryDisk(int size) : IDatastoreDisk
    {
        private readonly byte[] _data = RandomBytes(size);

        public long Length => _data.Length;

        public ulong WriteVerifier => 1;

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var count = (int)Math.Clamp(_data.Length - offset, 0, buffer.Length);
            _data.AsSpan((int)offset, count).CopyTo(buffer.Span);
            return ValueTask.FromResult(count);
        }

        public ValueTask<StableHow> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stability, CancellationToken cancellationToken) =>
            throw new NotSupportedException("The benchmark only reads.");

        public ValueTask CommitAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SetLengthAsync(long length, CancellationToken cancellationToken) => throw new NotSupportedException("The benchmark only reads.");
    }

    private sealed class MemoryDevice(int size) : INbdBlockDevice
    {
        private readonly byte[] _data = RandomBytes(size);

        public long Size => _data.Length;

        public bool IsReadOnly => true;

        public ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
        {
            _data.AsSpan((int)offset, destination.Length).CopyTo(destination.Span);
            return ValueTask.CompletedTask;
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken) => throw new NotSupportedException("The device is read-only.");

        public ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken) => throw new NotSupportedException("The device is read-only.");
    }

    private static byte[] RandomBytes(int size)
    {
        var data = new byte[size];
        new Random(3).NextBytes(data);
        return data;
    }
}
