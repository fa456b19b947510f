using System.Buffers.Binary;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>Real MOUNT and NFS call messages, built byte by byte, and record marking cut at chosen fragment lengths.</summary>
internal static class RawCalls
{
    private const uint AuthSys = 1;

    public static List<(string Name, uint Program, uint Version, uint Procedure, byte[] Arguments)> ReadOnly(byte[] vm, byte[] disk) =>
    [
        ("NULL", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Null, []),
        ("GETATTR", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.GetAttr, NfsTestClient.Encode(w => w.WriteOpaque(disk))),
        ("LOOKUP", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Lookup, NfsTestClient.Encode(w => new DirOpArgs3(new Nfs3FileHandle(vm), "disk0.raw").Encode(w))),
        ("READ", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.Read, NfsTestClient.Encode(w => new Read3Args(new Nfs3FileHandle(disk), 4096, 512).Encode(w))),
        ("READDIRPLUS", Nfs3Constants.Program, Nfs3Constants.Version, (uint)Nfs3Proc.ReadDirPlus, NfsTestClient.Encode(w => new ReadDirPlus3Args(new Nfs3FileHandle(vm), 0, 0, 8192, 32768).Encode(w))),
        ("MNT", MountConstants.Program, MountConstants.Version, (uint)MountProc3.Mnt, NfsTestClient.Encode(w => w.WriteString("/lifeboat/vm1"))),
    ];

    public static byte[] WriteArguments(byte[] disk, ulong offset, byte[] data, StableHow stable = StableHow.FileSync) =>
        NfsTestClient.Encode(w => new Write3Args(new Nfs3FileHandle(disk), offset, (uint)data.Length, stable, data).Encode(w));

    /// <summary>A call with AUTH_SYS credentials, as QEMU and libnfs send them.</summary>
    public static byte[] Call(uint xid, uint program, uint version, uint procedure, byte[] arguments) => NfsTestClient.Encode(w =>
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
    public static byte[] Frame(byte[] message, IReadOnlyList<int> lengths)
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
}
