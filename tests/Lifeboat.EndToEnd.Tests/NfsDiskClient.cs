using System.Net;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// A small NFSv3 client of one disk file, as root from a reserved port (as QEMU run as root connects): MNT and
/// LOOKUP once, then pipelined WRITEs, COMMITs and READs by file handle. Unlike libnfs it shows every reply as it
/// comes, so a test knows exactly which writes the server acknowledged before it died.
/// </summary>
internal sealed class NfsDiskClient : IAsyncDisposable
{
    /// <summary>NFS3_FHSIZE.</summary>
    private const int MaxHandleBytes = 64;

    private static readonly RpcCredentials Root = RpcCredentials.FromSys(new AuthSysParameters(1, "lifeboat-test", 0, 0, []));

    private readonly RpcClient _rpc;

    private NfsDiskClient(RpcClient rpc)
    {
        _rpc = rpc;
    }

    public static async Task<NfsDiskClient> ConnectAsync(int port) =>
        new(await RpcClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), new RpcClientOptions { Credentials = Root, UseReservedPort = true }));

    /// <summary>The handle of <paramref name="fileName"/> in the folder <paramref name="folder"/> mounts.</summary>
    public async Task<byte[]> LookUpAsync(string folder, string fileName)
    {
        var mount = NfsTestClient.Results(await _rpc.CallAsync(MountConstants.Program, MountConstants.Version, (uint)MountProc3.Mnt, NfsTestClient.Encode(w => w.WriteString(folder))));
        var reader = new XdrReader(mount.Span);
        var mountStatus = (MountStat3)reader.ReadUInt32();
        Assert.True(mountStatus == MountStat3.Ok, $"MNT {folder} was answered {mountStatus}.");
        var folderHandle = reader.ReadOpaque(MaxHandleBytes).ToArray();

        var lookup = NfsTestClient.Results(await CallAsync(Nfs3Proc.Lookup, w => new DirOpArgs3(new Nfs3FileHandle(folderHandle), fileName).Encode(w)));
        reader = new XdrReader(lookup.Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        Assert.True(status == Nfs3Status.Ok, $"LOOKUP {fileName} in {folder} was answered {status}.");
        return reader.ReadOpaque(MaxHandleBytes).ToArray();
    }

    /// <summary>The status of a WRITE of all of <paramref name="data"/>; fails when the connection does.</summary>
    public async Task<Nfs3Status> WriteAsync(byte[] file, long offset, byte[] data, StableHow stable)
    {
        var results = NfsTestClient.Results(await CallAsync(Nfs3Proc.Write, w => new Write3Args(new Nfs3FileHandle(file), (ulong)offset, (uint)data.Length, stable, data).Encode(w)));
        var reader = new XdrReader(results.Span);
        var status = (Nfs3Status)reader.ReadUInt32();
        WccData.Decode(ref reader);
        if (status == Nfs3Status.Ok)
        {
            var count = reader.ReadUInt32();
            var committed = (StableHow)reader.ReadUInt32();
            Assert.True(count == data.Length, $"A WRITE of {data.Length} bytes at {offset} was answered with a count of {count}.");
            Assert.True(committed >= stable, $"A {stable} WRITE at {offset} was answered as committed {committed}.");
        }

        return status;
    }

    public async Task<Nfs3Status> CommitAsync(byte[] file)
    {
        var results = NfsTestClient.Results(await CallAsync(Nfs3Proc.Commit, w => new Commit3Args(new Nfs3FileHandle(file), 0, 0).Encode(w)));
        return (Nfs3Status)new XdrReader(results.Span).ReadUInt32();
    }

    /// <summary>Reads <paramref name="destination"/>'s length of bytes at <paramref name="offset"/>, in calls of at most 64 KiB.</summary>
    public async Task ReadAsync(byte[] file, long offset, Memory<byte> destination)
    {
        const int MaxCall = 64 * 1024;
        while (!destination.IsEmpty)
        {
            var count = Math.Min(destination.Length, MaxCall);
            var results = NfsTestClient.Results(await CallAsync(Nfs3Proc.Read, w => new Read3Args(new Nfs3FileHandle(file), (ulong)offset, (uint)count).Encode(w)));
            var reader = new XdrReader(results.Span);
            var status = (Nfs3Status)reader.ReadUInt32();
            Fattr3.DecodePostOp(ref reader);
            Assert.True(status == Nfs3Status.Ok, $"READ of {count} bytes at {offset} was answered {status}.");
            reader.ReadUInt32();
            reader.ReadBool();
            var data = reader.ReadOpaque(MaxCall);
            Assert.True(data.Length > 0, $"READ of {count} bytes at {offset} returned nothing.");
            data.CopyTo(destination.Span);
            destination = destination[data.Length..];
            offset += data.Length;
        }
    }

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();

    private Task<RpcReply> CallAsync(Nfs3Proc procedure, Action<XdrWriter> arguments) =>
        _rpc.CallAsync(Nfs3Constants.Program, Nfs3Constants.Version, (uint)procedure, NfsTestClient.Encode(arguments));
}
