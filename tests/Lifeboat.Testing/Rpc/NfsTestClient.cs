using System.Buffers;
using System.Net;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Testing.Rpc;

public sealed record LookupResult(Nfs3Status Status, byte[]? Handle, Fattr3? Object, Fattr3? Dir);

public sealed record ReadResult(Nfs3Status Status, Fattr3? Attributes, byte[] Data, bool Eof);

public sealed record WriteResult(Nfs3Status Status, WccData Wcc, uint Count, StableHow Committed, ulong Verifier);

public sealed record CreateResult(Nfs3Status Status, byte[]? Handle, Fattr3? Attributes, WccData DirWcc);

public sealed record DirEntry(ulong FileId, string Name, ulong Cookie, Fattr3? Attributes, byte[]? Handle);

public sealed record ReadDirResult(Nfs3Status Status, ulong CookieVerifier, IReadOnlyList<DirEntry> Entries, bool Eof, int ReplySize);

public sealed record FsInfoResult(Nfs3Status Status, uint RtMax, uint RtPref, uint WtMax, uint WtPref, uint DtPref, ulong MaxFileSize, NfsTime3 TimeDelta, FsInfo3Properties Properties);

/// <summary>MOUNT and NFS calls through the oncrpc helper's RpcClient, with their replies decoded.</summary>
public sealed class NfsTestClient : IAsyncDisposable
{
    private readonly RpcClient _rpc;

    private NfsTestClient(RpcClient rpc)
    {
        _rpc = rpc;
    }

    public static RpcCredentials Root { get; } = RpcCredentials.FromSys(new AuthSysParameters(1, "test", 0, 0, []));

    public static async Task<NfsTestClient> ConnectAsync(int port, RpcCredentials? credentials = null) =>
        new(await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), new RpcClientOptions { Credentials = credentials ?? Root }));

    /// <summary>A client whose connection comes from <paramref name="source"/> (another loopback address), to <paramref name="server"/> or 127.0.0.1.</summary>
    public static async Task<NfsTestClient> ConnectFromAsync(IPAddress source, int port, IPAddress? server = null) =>
        new(await RpcClient.ConnectAsync(
            new IPEndPoint(server ?? IPAddress.Loopback, port),
            new RpcClientOptions { Credentials = Root, UseReservedPort = false, LocalEndPoint = new IPEndPoint(source, 0) }));

    public Task<RpcReply> CallNfsAsync(Nfs3Proc procedure, ReadOnlyMemory<byte> arguments) =>
        _rpc.CallAsync(Nfs3Constants.Program, Nfs3Constants.Version, (uint)procedure, arguments);

    public Task<RpcReply> CallNfsAsync(Nfs3Proc procedure, Action<XdrWriter> arguments) => CallNfsAsync(procedure, Encode(arguments));

    public Task<RpcReply> CallMountAsync(MountProc3 procedure, Action<XdrWriter>? arguments = null) =>
        _rpc.CallAsync(MountConstants.Program, MountConstants.Version, (uint)procedure, arguments is null ? default : Encode(arguments));

    public async Task<(MountStat3 Status, byte[] Handle, uint[] Flavors)> MountAsync(string path)
    {
        var reply = await CallMountAsync(MountProc3.Mnt, w => w.WriteString(path));
        var reader = new XdrReader(Results(reply).Span);
        var status = (MountStat3)reader.ReadUInt32();
        if (status != MountStat3.Ok)
        {
            return (status, [], []);
        }

        var handle = reader.ReadOpaque(64).ToArray();
        var flavors = new uint[reader.ReadUInt32()];
        for (var i = 0; i < flavors.Length; i++)
        {
            flavors[i] = reader.ReadUInt32();
        }

        return (status, handle, flavors);
    }

    public async Task<byte[]> MountOkAsync(string path)
    {
        var (status, handle, _) = await MountAsync(path);
        Assert.Equal(MountStat3.Ok, status);
        return handle;
    }

    public async Task<(Nfs3Status Status, Fattr3 Attributes)> GetAttrAsync(byte[] handle)
    {
        var reply = await CallNfsAsync(Nfs3Proc.GetAttr, w => w.WriteOpaque(handle));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        return (status, status == Nfs3Status.Ok ? Fattr3.Decode(ref reader) : default);
    }

    public async Task<LookupResult> LookupAsync(byte[] dir, string name)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Lookup, w => new DirOpArgs3(new Nfs3FileHandle(dir), name).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        if (status != Nfs3Status.Ok)
        {
            return new LookupResult(status, null, null, Fattr3.DecodePostOp(ref reader));
        }

        var handle = reader.ReadOpaque(64).ToArray();
        var obj = Fattr3.DecodePostOp(ref reader);
        return new LookupResult(status, handle, obj, Fattr3.DecodePostOp(ref reader));
    }

    public async Task<byte[]> LookupOkAsync(byte[] dir, string name)
    {
        var result = await LookupAsync(dir, name);
        Assert.Equal(Nfs3Status.Ok, result.Status);
        return result.Handle!;
    }

    public async Task<ReadResult> ReadAsync(byte[] file, ulong offset, uint count)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Read, w => new Read3Args(new Nfs3FileHandle(file), offset, count).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        var attributes = Fattr3.DecodePostOp(ref reader);
        if (status != Nfs3Status.Ok)
        {
            return new ReadResult(status, attributes, [], false);
        }

        var readCount = reader.ReadUInt32();
        var eof = reader.ReadBool();
        var data = reader.ReadOpaque(int.MaxValue).ToArray();
        Assert.Equal(readCount, (uint)data.Length);
        return new ReadResult(status, attributes, data, eof);
    }

    public async Task<WriteResult> WriteAsync(byte[] file, ulong offset, byte[] data, StableHow stable = StableHow.FileSync)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Write, w => new Write3Args(new Nfs3FileHandle(file), offset, (uint)data.Length, stable, data).Encode(w));
        return DecodeWrite(Results(reply));
    }

    public static WriteResult DecodeWrite(ReadOnlyMemory<byte> results)
    {
        var reader = new XdrReader(results.Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        var wcc = WccData.Decode(ref reader);
        if (status != Nfs3Status.Ok)
        {
            return new WriteResult(status, wcc, 0, default, 0);
        }

        return new WriteResult(status, wcc, reader.ReadUInt32(), (StableHow)reader.ReadUInt32(), reader.ReadUInt64());
    }

    public async Task<(Nfs3Status Status, WccData Wcc, ulong Verifier)> CommitAsync(byte[] file)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Commit, w => new Commit3Args(new Nfs3FileHandle(file), 0, 0).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        var wcc = WccData.Decode(ref reader);
        return (status, wcc, status == Nfs3Status.Ok ? reader.ReadUInt64() : 0);
    }

    public async Task<CreateResult> CreateAsync(byte[] dir, string name, CreateMode3 mode = CreateMode3.Unchecked, Sattr3 attributes = default, ulong verifier = 0)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Create, w => new Create3Args(new DirOpArgs3(new Nfs3FileHandle(dir), name), mode, attributes, verifier).Encode(w));
        return DecodeCreate(Results(reply));
    }

    public async Task<CreateResult> MkDirAsync(byte[] dir, string name, Sattr3 attributes = default)
    {
        var reply = await CallNfsAsync(Nfs3Proc.MkDir, w => new MkDir3Args(new DirOpArgs3(new Nfs3FileHandle(dir), name), attributes).Encode(w));
        return DecodeCreate(Results(reply));
    }

    public async Task<CreateResult> SymlinkAsync(byte[] dir, string name, string target)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Symlink, w => new Symlink3Args(new DirOpArgs3(new Nfs3FileHandle(dir), name), default, target).Encode(w));
        return DecodeCreate(Results(reply));
    }

    public static CreateResult DecodeCreate(ReadOnlyMemory<byte> results)
    {
        var reader = new XdrReader(results.Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        if (status != Nfs3Status.Ok)
        {
            return new CreateResult(status, null, null, WccData.Decode(ref reader));
        }

        var handle = reader.ReadBool() ? reader.ReadOpaque(64).ToArray() : null;
        var attributes = Fattr3.DecodePostOp(ref reader);
        return new CreateResult(status, handle, attributes, WccData.Decode(ref reader));
    }

    public async Task<(Nfs3Status Status, WccData DirWcc)> RemoveAsync(byte[] dir, string name, bool directory = false)
    {
        var reply = await CallNfsAsync(directory ? Nfs3Proc.RmDir : Nfs3Proc.Remove, w => new DirOpArgs3(new Nfs3FileHandle(dir), name).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        return ((Nfs3Status)reader.ReadUInt32(), WccData.Decode(ref reader));
    }

    public async Task<Nfs3Status> RenameAsync(byte[] fromDir, string fromName, byte[] toDir, string toName)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Rename, w => new Rename3Args(new DirOpArgs3(new Nfs3FileHandle(fromDir), fromName), new DirOpArgs3(new Nfs3FileHandle(toDir), toName)).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        WccData.Decode(ref reader);
        WccData.Decode(ref reader);
        Assert.Equal(0, reader.Remaining);
        return status;
    }

    public async Task<(Nfs3Status Status, Access3 Access)> AccessAsync(byte[] handle, Access3 asked = Access3.All)
    {
        var reply = await CallNfsAsync(Nfs3Proc.Access, w => new Access3Args(new Nfs3FileHandle(handle), asked).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        Fattr3.DecodePostOp(ref reader);
        return (status, status == Nfs3Status.Ok ? (Access3)reader.ReadUInt32() : Access3.None);
    }

    public async Task<(Nfs3Status Status, string Target)> ReadLinkAsync(byte[] handle)
    {
        var reply = await CallNfsAsync(Nfs3Proc.ReadLink, w => w.WriteOpaque(handle));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        Fattr3.DecodePostOp(ref reader);
        return (status, status == Nfs3Status.Ok ? reader.ReadString(4096) : string.Empty);
    }

    public async Task<(Nfs3Status Status, WccData Wcc)> SetAttrAsync(byte[] handle, Sattr3 attributes, NfsTime3? guard = null)
    {
        var reply = await CallNfsAsync(Nfs3Proc.SetAttr, w => new SetAttr3Args(new Nfs3FileHandle(handle), attributes, guard).Encode(w));
        var reader = new XdrReader(Results(reply).Span);
        return ((Nfs3Status)reader.ReadUInt32(), WccData.Decode(ref reader));
    }

    public async Task<ReadDirResult> ReadDirAsync(byte[] dir, ulong cookie = 0, ulong verifier = 0, uint count = 8192)
    {
        var reply = await CallNfsAsync(Nfs3Proc.ReadDir, w => new ReadDir3Args(new Nfs3FileHandle(dir), cookie, verifier, count).Encode(w));
        return DecodeReadDir(Results(reply), plus: false);
    }

    public async Task<ReadDirResult> ReadDirPlusAsync(byte[] dir, ulong cookie = 0, ulong verifier = 0, uint dirCount = 8192, uint maxCount = 32768)
    {
        var reply = await CallNfsAsync(Nfs3Proc.ReadDirPlus, w => new ReadDirPlus3Args(new Nfs3FileHandle(dir), cookie, verifier, dirCount, maxCount).Encode(w));
        return DecodeReadDir(Results(reply), plus: true);
    }

    /// <summary>Every entry of a folder, following cookies until eof.</summary>
    public async Task<List<DirEntry>> ListAllAsync(byte[] dir, bool plus, uint count = 8192)
    {
        var entries = new List<DirEntry>();
        ulong cookie = 0, verifier = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var page = plus ? await ReadDirPlusAsync(dir, cookie, verifier, count, count) : await ReadDirAsync(dir, cookie, verifier, count);
            Assert.Equal(Nfs3Status.Ok, page.Status);
            Assert.True(page.ReplySize <= count + 4, $"a reply of {page.ReplySize} bytes exceeds the {count} asked");
            entries.AddRange(page.Entries);
            if (page.Eof)
            {
                return entries;
            }

            Assert.NotEmpty(page.Entries);
            cookie = page.Entries[^1].Cookie;
            verifier = page.CookieVerifier;
        }

        throw new InvalidOperationException("The listing never reached eof.");
    }

    public static ReadDirResult DecodeReadDir(ReadOnlyMemory<byte> results, bool plus)
    {
        var reader = new XdrReader(results.Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        Fattr3.DecodePostOp(ref reader);
        if (status != Nfs3Status.Ok)
        {
            return new ReadDirResult(status, 0, [], false, results.Length);
        }

        var verifier = reader.ReadUInt64();
        var entries = new List<DirEntry>();
        while (reader.ReadBool())
        {
            var fileId = reader.ReadUInt64();
            var name = reader.ReadString(1024);
            var cookie = reader.ReadUInt64();
            Fattr3? attributes = null;
            byte[]? handle = null;
            if (plus)
            {
                attributes = Fattr3.DecodePostOp(ref reader);
                handle = reader.ReadBool() ? reader.ReadOpaque(64).ToArray() : null;
            }

            entries.Add(new DirEntry(fileId, name, cookie, attributes, handle));
        }

        return new ReadDirResult(status, verifier, entries, reader.ReadBool(), results.Length);
    }

    public async Task<FsInfoResult> FsInfoAsync(byte[] handle)
    {
        var reply = await CallNfsAsync(Nfs3Proc.FsInfo, w => w.WriteOpaque(handle));
        var reader = new XdrReader(Results(reply).Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        Fattr3.DecodePostOp(ref reader);
        if (status != Nfs3Status.Ok)
        {
            return new FsInfoResult(status, 0, 0, 0, 0, 0, 0, default, 0);
        }

        var rtmax = reader.ReadUInt32();
        var rtpref = reader.ReadUInt32();
        reader.ReadUInt32();
        var wtmax = reader.ReadUInt32();
        var wtpref = reader.ReadUInt32();
        reader.ReadUInt32();
        var dtpref = reader.ReadUInt32();
        var maxFileSize = reader.ReadUInt64();
        var delta = NfsTime3.Decode(ref reader);
        return new FsInfoResult(status, rtmax, rtpref, wtmax, wtpref, dtpref, maxFileSize, delta, (FsInfo3Properties)reader.ReadUInt32());
    }

    public static ReadOnlyMemory<byte> Results(RpcReply reply)
    {
        Assert.True(reply.IsSuccess, $"The call was answered {reply}, not SUCCESS.");
        return reply.Results;
    }

    public static byte[] Encode(Action<XdrWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new XdrWriter(buffer));
        return buffer.WrittenSpan.ToArray();
    }

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();
}
