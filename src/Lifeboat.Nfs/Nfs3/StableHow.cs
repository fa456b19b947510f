namespace Lifeboat.Nfs.Nfs3;

/// <summary>stable_how of RFC 1813 section 3.3.7: how durable a WRITE must be before the reply.</summary>
public enum StableHow : uint
{
    Unstable = 0,
    DataSync = 1,
    FileSync = 2,
}
