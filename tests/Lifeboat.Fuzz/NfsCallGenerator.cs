using System.Buffers;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Fuzz;

/// <summary>
/// Well-formed MOUNT, NFS and portmap calls over the handles a fuzz run has seen so far (harvested from replies),
/// handles that name nothing, and a small set of names, so CREATE, MKDIR, REMOVE and RENAME meet files that exist.
/// </summary>
internal sealed class NfsCallGenerator(string exportPath, string publication)
{
    private const int MaxHandles = 256;
    private static readonly string[] Names = ["a", "b", "c", "dir", "vm.vmx", "disk0.raw", "lifeboat.json", "..", ".", "", "x/y", new string('n', 256)];
    private static readonly RpcCredentials Root = RpcCredentials.FromSys(new AuthSysParameters(1, "fuzz", 0, 0, []));
    private static readonly RpcCredentials User = RpcCredentials.FromSys(new AuthSysParameters(2, "fuzz", 1000, 1000, [1000, 27]));

    private readonly List<byte[]> _handles = [];
    private readonly Lock _lock = new();
    private uint _xid;

    public int HandleCount
    {
        get
        {
            lock (_lock)
            {
                return _handles.Count;
            }
        }
    }

    /// <summary>Keeps the 32-byte datastore handles (magic "LB", version 1) a reply carries as XDR opaques.</summary>
    public void Harvest(ReadOnlySpan<byte> reply)
    {
        ReadOnlySpan<byte> marker = [0, 0, 0, 32, (byte)'L', (byte)'B', 1];
        var at = reply.IndexOf(marker);
        while (at >= 0 && at + 4 + 32 <= reply.Length)
        {
            var handle = reply.Slice(at + 4, 32).ToArray();
            lock (_lock)
            {
                if (!_handles.Exists(h => h.AsSpan().SequenceEqual(handle)))
                {
                    if (_handles.Count < MaxHandles)
                    {
                        _handles.Add(handle);
                    }
                    else
                    {
                        _handles[Random.Shared.Next(MaxHandles)] = handle;
                    }
                }
            }

            var next = reply[(at + 1)..].IndexOf(marker);
            at = next < 0 ? -1 : at + 1 + next;
        }
    }

    /// <summary>
    /// Drops handles a call used that was answered STALE: a handle that names nothing costs the local tree a rescan
    /// every time it comes back (the few made on purpose are enough).
    /// </summary>
    public void ForgetHandles(IEnumerable<byte[]> used)
    {
        lock (_lock)
        {
            foreach (var handle in used)
            {
                _handles.RemoveAll(h => h.AsSpan().SequenceEqual(handle));
            }
        }
    }

    /// <summary>Procedures that cost the file system a system call or two at most.</summary>
    private static readonly Nfs3Proc[] Light = [Nfs3Proc.Null, Nfs3Proc.GetAttr, Nfs3Proc.Access, Nfs3Proc.Lookup, Nfs3Proc.Read, Nfs3Proc.FsInfo, Nfs3Proc.PathConf];

    /// <summary>
    /// A record-marked call; its XID is returned so replies can be matched. Not <paramref name="heavy"/>: only light
    /// procedures, so most inputs exercise the connection and the decoders and a few change the tree.
    /// </summary>
    public byte[] NextCall(Random random, bool heavy, List<byte[]> used, out uint xid)
    {
        used.Clear();
        xid = Interlocked.Increment(ref _xid);
        var buffer = new ArrayBufferWriter<byte>();
        buffer.GetSpan(4).Clear();
        buffer.Advance(4);
        var writer = new XdrWriter(buffer);
        var credentials = random.Next(8) == 0 ? (random.Next(2) == 0 ? RpcCredentials.None : User) : Root;
        var pick = random.Next(100);
        if (pick < 6 || HandleCount == 0)
        {
            RpcMessageEncoder.WriteCallHeader(writer, xid, MountConstants.Program, MountConstants.Version, (uint)MountProc3.Mnt, credentials);
            writer.WriteString(random.Next(4) == 0 ? $"{exportPath}/{publication}" : exportPath);
        }
        else if (pick < 8)
        {
            RpcMessageEncoder.WriteCallHeader(writer, xid, MountConstants.Program, MountConstants.Version, (uint)random.Next(6), credentials);
            writer.WriteString(exportPath);
        }
        else if (pick < 10)
        {
            RpcMessageEncoder.WriteCallHeader(writer, xid, PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, (uint)random.Next(6), credentials);
            writer.WriteUInt32(Nfs3Constants.Program);
            writer.WriteUInt32(Nfs3Constants.Version);
            writer.WriteUInt32(6);
            writer.WriteUInt32(2049);
        }
        else
        {
            var procedure = heavy ? (Nfs3Proc)random.Next(1, 22) : Light[random.Next(Light.Length)];
            RpcMessageEncoder.WriteCallHeader(writer, xid, Nfs3Constants.Program, Nfs3Constants.Version, (uint)procedure, credentials);
            WriteArguments(random, writer, procedure, used);
        }

        var call = buffer.WrittenSpan.ToArray();
        RecordMarkingReader.WriteLastFragmentHeader(call, call.Length - 4);
        return call;
    }

    private void WriteArguments(Random random, XdrWriter writer, Nfs3Proc procedure, List<byte[]> used)
    {
        var file = Handle(random, used);
        var where = new DirOpArgs3(Handle(random, used), Name(random));
        var attributes = new Sattr3(
            random.Next(2) == 0 ? 0x1A4u : null,
            null,
            null,
            random.Next(4) == 0 ? (ulong)random.Next(1 << 20) : null,
            new SetTime3(TimeHow.SetToServerTime, default),
            new SetTime3(random.Next(2) == 0 ? TimeHow.DontChange : TimeHow.SetToClientTime, new NfsTime3(1, 2)));
        switch (procedure)
        {
            case Nfs3Proc.SetAttr:
                new SetAttr3Args(file, attributes, null).Encode(writer);
                break;
            case Nfs3Proc.Lookup or Nfs3Proc.Remove or Nfs3Proc.RmDir:
                where.Encode(writer);
                break;
            case Nfs3Proc.Access:
                new Access3Args(file, Access3.All).Encode(writer);
                break;
            case Nfs3Proc.Read:
                new Read3Args(file, (ulong)random.Next(1 << 20), (uint)random.Next(1, 65536)).Encode(writer);
                break;
            case Nfs3Proc.Write:
                var data = new byte[random.Next(0, 4096)];
                random.NextBytes(data);
                new Write3Args(file, (ulong)random.Next(1 << 20), (uint)data.Length, (StableHow)random.Next(3), data).Encode(writer);
                break;
            case Nfs3Proc.Create:
                new Create3Args(where, (CreateMode3)random.Next(3), attributes, (ulong)random.Next()).Encode(writer);
                break;
            case Nfs3Proc.MkDir:
                new MkDir3Args(where, attributes).Encode(writer);
                break;
            case Nfs3Proc.Symlink:
                new Symlink3Args(where, attributes, random.Next(2) == 0 ? "../x" : "a").Encode(writer);
                break;
            case Nfs3Proc.MkNod:
                new MkNod3Args(where, (Ftype3)random.Next(1, 8), attributes, 1, 2).Encode(writer);
                break;
            case Nfs3Proc.Rename:
                new Rename3Args(where, new DirOpArgs3(Handle(random, used), Name(random))).Encode(writer);
                break;
            case Nfs3Proc.Link:
                new Link3Args(file, where).Encode(writer);
                break;
            case Nfs3Proc.ReadDir:
                new ReadDir3Args(file, (ulong)random.Next(4), 0, (uint)random.Next(64, 8192)).Encode(writer);
                break;
            case Nfs3Proc.ReadDirPlus:
                new ReadDirPlus3Args(file, (ulong)random.Next(4), 0, (uint)random.Next(64, 8192), (uint)random.Next(64, 32768)).Encode(writer);
                break;
            case Nfs3Proc.Commit:
                new Commit3Args(file, 0, (uint)random.Next(4096)).Encode(writer);
                break;
            default:
                file.Encode(writer);
                break;
        }
    }

    /// <summary>A handle seen in a reply, or one of them with its object id or generation changed: a file that is not there.</summary>
    private Nfs3FileHandle Handle(Random random, List<byte[]> used)
    {
        byte[] handle;
        lock (_lock)
        {
            // Another connection may have just forgotten the last one: MNT finds the root again.
            handle = _handles.Count == 0 ? new byte[32] : (byte[])_handles[random.Next(_handles.Count)].Clone();
        }

        used.Add(handle);

        // Rarely: every unknown handle costs the local tree a rescan of its folder (issue 18's inode cache bounds that).
        if (random.Next(64) == 0)
        {
            handle[20 + random.Next(12)] ^= (byte)(1 << random.Next(8));
        }

        return new Nfs3FileHandle(handle);
    }

    private static string Name(Random random) => random.Next(10) == 0 ? $"f{random.Next(16)}" : Names[random.Next(Names.Length)];
}
