using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>Real MOUNT and NFS calls' arguments, for <see cref="RpcMessages.AuthSysCall"/>.</summary>
internal static class RawCalls
{
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
}
