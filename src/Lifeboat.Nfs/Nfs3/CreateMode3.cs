namespace Lifeboat.Nfs.Nfs3;

/// <summary>createmode3 of RFC 1813 section 3.3.8.</summary>
public enum CreateMode3 : uint
{
    Unchecked = 0,
    Guarded = 1,
    Exclusive = 2,
}
