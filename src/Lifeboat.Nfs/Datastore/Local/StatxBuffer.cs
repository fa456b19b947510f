using System.Runtime.InteropServices;

namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>
/// struct statx of linux/stat.h (the same layout on every architecture), with the fields the datastore reads.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct StatxBuffer
{
    public const uint MaskBasicStats = 0x7ff;
    public const uint MaskBirthTime = 0x800;

    [FieldOffset(0)] public uint Mask;
    [FieldOffset(16)] public uint Nlink;
    [FieldOffset(20)] public uint Uid;
    [FieldOffset(24)] public uint Gid;
    [FieldOffset(28)] public ushort Mode;
    [FieldOffset(32)] public ulong Ino;
    [FieldOffset(40)] public ulong Size;
    [FieldOffset(48)] public ulong Blocks;
    [FieldOffset(64)] public long AtimeSeconds;
    [FieldOffset(72)] public uint AtimeNanoseconds;
    [FieldOffset(80)] public long BtimeSeconds;
    [FieldOffset(88)] public uint BtimeNanoseconds;
    [FieldOffset(96)] public long CtimeSeconds;
    [FieldOffset(104)] public uint CtimeNanoseconds;
    [FieldOffset(112)] public long MtimeSeconds;
    [FieldOffset(120)] public uint MtimeNanoseconds;
    [FieldOffset(128)] public uint RdevMajor;
    [FieldOffset(132)] public uint RdevMinor;
    [FieldOffset(136)] public uint DevMajor;
    [FieldOffset(140)] public uint DevMinor;
}
