namespace Lifeboat.Nfs.Nfs3;

/// <summary>ftype3 of RFC 1813 section 2.6: the type of a file system object.</summary>
public enum Ftype3 : uint
{
    Reg = 1,
    Dir = 2,
    Blk = 3,
    Chr = 4,
    Lnk = 5,
    Sock = 6,
    Fifo = 7,
}
