using System.Buffers;
using System.Collections.Concurrent;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Nfs.Mount;

/// <summary>
/// MOUNT version 3 (program 100005) for the datastore's one export. MNT accepts the export path and any folder
/// inside it, since libnfs and QEMU mount the folder above the file they open.
/// </summary>
public sealed class MountProgram : IRpcProgram
{
    /// <summary>Bounds the DUMP list clients can make the server hold, and its reply (at most 512 paths of 1 KiB).</summary>
    public const int MaxMountEntries = 512;

    private static readonly AuthFlavor[] AuthFlavors = [AuthFlavor.Sys, AuthFlavor.None];

    private readonly DatastoreFileSystem _fileSystem;
    private readonly ExportAdmission _admission;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Host, string Path), byte> _mounts = new();

    public MountProgram(DatastoreFileSystem fileSystem, NfsClientAllowList? allowList = null, ILogger<MountProgram>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        _fileSystem = fileSystem;
        _admission = new ExportAdmission(allowList ?? NfsClientAllowList.LoopbackOnly, fileSystem);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public uint Program => MountConstants.Program;

    public uint LowVersion => MountConstants.Version;

    public uint HighVersion => MountConstants.Version;

    public RpcCallMetrics Metrics => NfsMetrics.Mount;

    public ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var writer = new XdrWriter(results);
        var host = call.Peer.EndPoint?.Address.ToString() ?? "localhost";
        switch ((MountProc3)call.Procedure)
        {
            case MountProc3.Null:
                break;
            case MountProc3.Mnt:
                Mount(call, host, writer);
                break;
            case MountProc3.Dump:
                // A client of a narrowed publication alone learns only its own mounts, not what others mount.
                var everyone = _admission.AllowList.Admits(call.Peer);
                foreach (var (entryHost, path) in _mounts.Keys.Order().Where(k => everyone || k.Host == host))
                {
                    writer.WriteBool(true);
                    writer.WriteString(entryHost);
                    writer.WriteString(path);
                }

                writer.WriteBool(false);
                break;
            case MountProc3.Umnt:
                _mounts.TryRemove((host, ReadDirPath(call.Arguments.Span)), out _);
                break;
            case MountProc3.UmntAll:
                foreach (var key in _mounts.Keys.Where(k => k.Host == host))
                {
                    _mounts.TryRemove(key, out _);
                }

                break;
            case MountProc3.Export:
                writer.WriteBool(true);
                writer.WriteString(_fileSystem.ExportPath);
                writer.WriteBool(false); // no groups: access is decided by the allow-list
                writer.WriteBool(false);
                break;
            default:
                return ValueTask.FromResult(RpcAcceptStatus.ProcUnavail);
        }

        return ValueTask.FromResult(RpcAcceptStatus.Success);
    }

    /// <summary>Decodes MNT's or UMNT's dirpath argument; throws <see cref="XdrException"/> when malformed.</summary>
    public static string ReadDirPath(ReadOnlySpan<byte> arguments)
    {
        var reader = new XdrReader(arguments);
        return reader.ReadString(MountConstants.MaxPathLength);
    }

    private void Mount(RpcCall call, string host, XdrWriter writer)
    {
        var path = ReadDirPath(call.Arguments.Span);
        if (!_admission.AdmitsAny(call.Peer))
        {
            MountLog.ClientRefused(_logger, call.Peer.ToString(), path);
            writer.WriteUInt32((uint)MountStat3.Acces);
            return;
        }

        var status = _fileSystem.ResolvePath(path, out var node);
        if (status == Nfs3Status.Ok && node.Handle.Kind != DatastoreNodeKind.ExportRoot
            && _fileSystem.FindPublication(node.Handle.PublicationId) is { } publication && !_admission.Admits(call.Peer, publication))
        {
            if (_admission.Shows(call.Peer, publication))
            {
                MountLog.ClientRefused(_logger, call.Peer.ToString(), path);
                writer.WriteUInt32((uint)MountStat3.Acces);
                return;
            }

            // A client of another publication is not told this one exists.
            status = Nfs3Status.NoEnt;
        }

        if (status != Nfs3Status.Ok)
        {
            MountLog.MountFailed(_logger, host, path, status);
            writer.WriteUInt32((uint)ToMountStat(status));
            return;
        }

        if (_mounts.Count < MaxMountEntries)
        {
            _mounts.TryAdd((host, path), 0);
        }

        MountLog.Mounted(_logger, host, path);
        writer.WriteUInt32((uint)MountStat3.Ok);
        Span<byte> handle = stackalloc byte[DatastoreFileHandle.Size];
        node.Handle.Write(handle);
        writer.WriteOpaque(handle);
        writer.WriteUInt32((uint)AuthFlavors.Length);
        foreach (var flavor in AuthFlavors)
        {
            writer.WriteUInt32((uint)flavor);
        }
    }

    private static MountStat3 ToMountStat(Nfs3Status status) => status switch
    {
        Nfs3Status.NoEnt or Nfs3Status.Stale => MountStat3.NoEnt,
        Nfs3Status.NotDir => MountStat3.NotDir,
        Nfs3Status.Acces => MountStat3.Acces,
        Nfs3Status.Perm => MountStat3.Perm,
        Nfs3Status.NameTooLong => MountStat3.NameTooLong,
        Nfs3Status.Inval => MountStat3.Inval,
        Nfs3Status.Io => MountStat3.Io,
        _ => MountStat3.ServerFault,
    };
}
