namespace Lifeboat.Nfs.Mount;

/// <summary>The procedures of MOUNT version 3 (RFC 1813 appendix I).</summary>
public enum MountProc3 : uint
{
    Null = 0,
    Mnt = 1,
    Dump = 2,
    Umnt = 3,
    UmntAll = 4,
    Export = 5,
}
