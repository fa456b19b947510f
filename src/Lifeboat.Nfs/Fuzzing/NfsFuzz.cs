using System.Buffers;
using System.Net;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Fuzzing;

/// <summary>
/// A fuzz target (for SharpFuzz or a random-input test) for what the mount server does with the arguments of a
/// MOUNT or NFS call. The first byte picks the program (even: NFS, odd: MOUNT), the second the procedure; the rest
/// are the arguments. They go through the procedure's decoder and then through the program itself, over a
/// datastore with no publications so nothing is written anywhere. Malformed input may only raise
/// <see cref="XdrException"/> (the server's GARBAGE_ARGS); any other exception is a bug and escapes.
/// </summary>
public static class NfsFuzz
{
    /// <summary>The datastore id of the fuzzed server, so seeds can carry handles it accepts.</summary>
    public const ulong DatastoreId = 0x4c69666562_6f6174;

    private static readonly Lazy<(Nfs3Program Nfs, MountProgram Mount, DatastoreFileSystem FileSystem)> Programs = new(() =>
    {
        var fileSystem = new DatastoreFileSystem(new DatastoreOptions { DatastoreId = DatastoreId });
        return (new Nfs3Program(fileSystem), new MountProgram(fileSystem), fileSystem);
    });

    private static readonly OncRpc.Peers.RpcPeer Loopback = OncRpc.Peers.RpcPeer.Datagram(new IPEndPoint(IPAddress.Loopback, 1023));

    /// <summary>The export root's file handle on the fuzzed server.</summary>
    public static byte[] RootHandle => Programs.Value.FileSystem.Root.Handle.ToArray();

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        var isMount = (input[0] & 1) != 0;
        var procedure = isMount ? input[1] % 6u : input[1] % 22u;
        var arguments = input[2..].ToArray();
        try
        {
            Decode(isMount, procedure, arguments);
        }
        catch (XdrException)
        {
            // Malformed arguments: the server answers GARBAGE_ARGS.
        }

        var (nfs, mount, _) = Programs.Value;
        var call = new RpcCall(1, isMount ? MountConstants.Program : Nfs3Constants.Program, 3, procedure, RpcCredentials.None, arguments, Loopback, 1);
        var results = new ArrayBufferWriter<byte>();
        try
        {
            var dispatch = isMount ? mount.DispatchAsync(call, results, CancellationToken.None) : nfs.DispatchAsync(call, results, CancellationToken.None);
            dispatch.AsTask().GetAwaiter().GetResult();
        }
        catch (XdrException)
        {
        }
    }

    private static void Decode(bool isMount, uint procedure, ReadOnlyMemory<byte> arguments)
    {
        if (isMount)
        {
            if ((MountProc3)procedure is MountProc3.Mnt or MountProc3.Umnt)
            {
                MountProgram.ReadDirPath(arguments.Span);
            }

            return;
        }

        switch ((Nfs3Proc)procedure)
        {
            case Nfs3Proc.GetAttr or Nfs3Proc.ReadLink or Nfs3Proc.FsStat or Nfs3Proc.FsInfo or Nfs3Proc.PathConf:
                Nfs3FileHandle.Decode(arguments);
                break;
            case Nfs3Proc.SetAttr:
                SetAttr3Args.Decode(arguments);
                break;
            case Nfs3Proc.Lookup or Nfs3Proc.Remove or Nfs3Proc.RmDir:
                DirOpArgs3.Decode(arguments);
                break;
            case Nfs3Proc.Access:
                Access3Args.Decode(arguments);
                break;
            case Nfs3Proc.Read:
                Read3Args.Decode(arguments);
                break;
            case Nfs3Proc.Write:
                Write3Args.Decode(arguments);
                break;
            case Nfs3Proc.Create:
                Create3Args.Decode(arguments);
                break;
            case Nfs3Proc.MkDir:
                MkDir3Args.Decode(arguments);
                break;
            case Nfs3Proc.Symlink:
                Symlink3Args.Decode(arguments);
                break;
            case Nfs3Proc.MkNod:
                MkNod3Args.Decode(arguments);
                break;
            case Nfs3Proc.Rename:
                Rename3Args.Decode(arguments);
                break;
            case Nfs3Proc.Link:
                Link3Args.Decode(arguments);
                break;
            case Nfs3Proc.ReadDir:
                ReadDir3Args.Decode(arguments);
                break;
            case Nfs3Proc.ReadDirPlus:
                ReadDirPlus3Args.Decode(arguments);
                break;
            case Nfs3Proc.Commit:
                Commit3Args.Decode(arguments);
                break;
        }
    }
}
