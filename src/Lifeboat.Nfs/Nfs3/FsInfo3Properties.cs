namespace Lifeboat.Nfs.Nfs3;

/// <summary>The FSF3_* bits of FSINFO3resok.properties (RFC 1813 section 3.3.19).</summary>
[Flags]
public enum FsInfo3Properties : uint
{
    None = 0,
    Link = 0x0001,
    Symlink = 0x0002,
    Homogeneous = 0x0008,
    CanSetTime = 0x0010,
}
