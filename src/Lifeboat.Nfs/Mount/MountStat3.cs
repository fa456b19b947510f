namespace Lifeboat.Nfs.Mount;

/// <summary>mountstat3 of RFC 1813 appendix I.</summary>
public enum MountStat3 : uint
{
    Ok = 0,
    Perm = 1,
    NoEnt = 2,
    Io = 5,
    Acces = 13,
    NotDir = 20,
    Inval = 22,
    NameTooLong = 63,
    NotSupp = 10004,
    ServerFault = 10006,
}
