using System.Buffers;
using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>
/// NFS version 3 (program 100003, RFC 1813): the 22 procedures over the datastore file system. Procedures that
/// touch only metadata answer synchronously; READ, WRITE, COMMIT and size changes go asynchronous when the disk does.
/// </summary>
public sealed partial class Nfs3Program : IRpcProgram
{
    private readonly DatastoreFileSystem _fileSystem;
    private readonly ExportAdmission _admission;
    private readonly Nfs3ProgramOptions _options;
    private readonly ILogger _logger;
    private long _lastRefusedConnection = -1;

    public Nfs3Program(
        DatastoreFileSystem fileSystem,
        NfsClientAllowList? allowList = null,
        Nfs3ProgramOptions? options = null,
        ILogger<Nfs3Program>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        _fileSystem = fileSystem;
        _admission = new ExportAdmission(allowList ?? NfsClientAllowList.LoopbackOnly, fileSystem);
        _options = options ?? new Nfs3ProgramOptions();
        _options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public uint Program => Nfs3Constants.Program;

    public uint LowVersion => Nfs3Constants.Version;

    public uint HighVersion => Nfs3Constants.Version;

    public RpcCallMetrics Metrics => NfsMetrics.Nfs;

    public ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var procedure = (Nfs3Proc)call.Procedure;
        if (procedure > Nfs3Proc.Commit)
        {
            return ValueTask.FromResult(RpcAcceptStatus.ProcUnavail);
        }

        if (procedure == Nfs3Proc.Null)
        {
            return ValueTask.FromResult(RpcAcceptStatus.Success);
        }

        var writer = new XdrWriter(results);
        var arguments = call.Arguments;
        // Every procedure but NULL starts with a handle; RENAME and LINK name a second one, which the client must be admitted to as well.
        var publication = _fileSystem.PublicationOf(Nfs3FileHandle.Decode(arguments).Span);
        if (!Admits(call.Peer, publication) || !Admits(call.Peer, SecondPublication(procedure, arguments)))
        {
            if (Interlocked.Exchange(ref _lastRefusedConnection, call.ConnectionId) != call.ConnectionId)
            {
                Nfs3Log.ClientRefused(_logger, call.Peer.ToString());
            }

            WriteFailure(writer, procedure, Nfs3Status.Acces);
            return ValueTask.FromResult(RpcAcceptStatus.Success);
        }

        if (IsChange(procedure) && publication is { IsReadOnly: true })
        {
            WriteFailure(writer, procedure, Nfs3Status.RoFs);
            return ValueTask.FromResult(RpcAcceptStatus.Success);
        }

        switch (procedure)
        {
            case Nfs3Proc.GetAttr:
                GetAttr(arguments, writer);
                break;
            case Nfs3Proc.SetAttr:
                return SetAttrAsync(arguments, writer, cancellationToken);
            case Nfs3Proc.Lookup:
                Lookup(arguments, call.Peer, writer);
                break;
            case Nfs3Proc.Access:
                Access(arguments, call.Credentials, writer);
                break;
            case Nfs3Proc.ReadLink:
                ReadLink(arguments, writer);
                break;
            case Nfs3Proc.Read:
                return ReadAsync(arguments, results, cancellationToken);
            case Nfs3Proc.Write:
                return WriteAsync(arguments, writer, cancellationToken);
            case Nfs3Proc.Create:
                return CreateAsync(arguments, call.Credentials, writer, cancellationToken);
            case Nfs3Proc.MkDir:
                MkDir(arguments, call.Credentials, writer);
                break;
            case Nfs3Proc.Symlink:
                Symlink(arguments, call.Credentials, writer);
                break;
            case Nfs3Proc.MkNod:
                MkNod(arguments, writer);
                break;
            case Nfs3Proc.Remove:
                Remove(arguments, writer, directory: false);
                break;
            case Nfs3Proc.RmDir:
                Remove(arguments, writer, directory: true);
                break;
            case Nfs3Proc.Rename:
                Rename(arguments, writer);
                break;
            case Nfs3Proc.Link:
                Link(arguments, writer);
                break;
            case Nfs3Proc.ReadDir:
                ReadDir(arguments, call.Peer, writer);
                break;
            case Nfs3Proc.ReadDirPlus:
                ReadDirPlus(arguments, call.Peer, writer);
                break;
            case Nfs3Proc.FsStat:
                FsStat(arguments, writer);
                break;
            case Nfs3Proc.FsInfo:
                FsInfo(arguments, writer);
                break;
            case Nfs3Proc.PathConf:
                PathConf(arguments, writer);
                break;
            case Nfs3Proc.Commit:
                return CommitAsync(arguments, writer, cancellationToken);
        }

        return ValueTask.FromResult(RpcAcceptStatus.Success);
    }

    /// <summary>
    /// Writes a failed reply with no attributes, for a call refused before its object was found (bad or stale handle,
    /// client not allowed): the resfail shape of each procedure with every optional attribute absent.
    /// </summary>
    internal static void WriteFailure(XdrWriter writer, Nfs3Proc procedure, Nfs3Status status)
    {
        writer.WriteUInt32((uint)status);
        switch (procedure)
        {
            case Nfs3Proc.GetAttr:
                break;
            case Nfs3Proc.Lookup or Nfs3Proc.Access or Nfs3Proc.ReadLink or Nfs3Proc.Read or Nfs3Proc.ReadDir
                or Nfs3Proc.ReadDirPlus or Nfs3Proc.FsStat or Nfs3Proc.FsInfo or Nfs3Proc.PathConf:
                writer.WriteBool(false);
                break;
            case Nfs3Proc.Rename:
                WccData.None.Encode(writer);
                WccData.None.Encode(writer);
                break;
            case Nfs3Proc.Link:
                writer.WriteBool(false);
                WccData.None.Encode(writer);
                break;
            default:
                WccData.None.Encode(writer);
                break;
        }
    }

    private static bool IsChange(Nfs3Proc procedure) => procedure is Nfs3Proc.SetAttr or Nfs3Proc.Write or Nfs3Proc.Create
        or Nfs3Proc.MkDir or Nfs3Proc.Symlink or Nfs3Proc.MkNod or Nfs3Proc.Remove or Nfs3Proc.RmDir or Nfs3Proc.Rename
        or Nfs3Proc.Link or Nfs3Proc.Commit;

    private bool Admits(RpcPeer peer, DatastorePublication? publication) =>
        publication is null ? _admission.AdmitsAny(peer) : _admission.Admits(peer, publication);

    /// <summary>The publication of RENAME's target folder or LINK's folder (their replies carry its attributes), else null.</summary>
    private DatastorePublication? SecondPublication(Nfs3Proc procedure, ReadOnlyMemory<byte> arguments) => procedure switch
    {
        Nfs3Proc.Rename => _fileSystem.PublicationOf(Rename3Args.Decode(arguments).To.Dir.Span),
        Nfs3Proc.Link => _fileSystem.PublicationOf(Link3Args.Decode(arguments).Link.Dir.Span),
        _ => null,
    };

    private static Fattr3? Attributes(DatastoreNode node) =>
        node.GetAttributes(out var attributes) == Nfs3Status.Ok ? attributes : null;

    private static WccAttr? Before(DatastoreNode node) => Attributes(node)?.ToWccAttr();

    private static void WriteHandle(XdrWriter writer, DatastoreNode node)
    {
        Span<byte> handle = stackalloc byte[DatastoreFileHandle.Size];
        node.Handle.Write(handle);
        writer.WriteOpaque(handle);
    }

    /// <summary>
    /// post_op_fh3 then post_op_attr of a created object, or (for an entryplus3) post_op_attr then post_op_fh3.
    /// </summary>
    private static void WriteNewObject(XdrWriter writer, DatastoreNode node, bool attributesFirst = false)
    {
        if (attributesFirst)
        {
            Fattr3.EncodePostOp(writer, Attributes(node));
        }

        writer.WriteBool(true);
        WriteHandle(writer, node);
        if (!attributesFirst)
        {
            Fattr3.EncodePostOp(writer, Attributes(node));
        }
    }

    /// <summary>The caller that will own what a CREATE, MKDIR or SYMLINK makes, when the server can give ownership away.</summary>
    private DatastoreOwner? OwnerOf(RpcCredentials credentials) =>
        credentials.Sys is { } sys && _fileSystem.CanChangeOwner ? new DatastoreOwner(sys.Uid, sys.Gid) : null;

    private Nfs3Status Resolve(Nfs3FileHandle handle, out DatastoreNode node) => _fileSystem.Resolve(handle.Span, out node);
}
