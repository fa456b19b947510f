namespace Lifeboat.Nbd.Protocol;

/// <summary>The error values of a reply (the most common errno of each, as the protocol fixes them).</summary>
public enum NbdError : uint
{
    None = 0,
    Perm = 1,
    Io = 5,
    NoMem = 12,
    Inval = 22,
    NoSpc = 28,
    Overflow = 75,
    NotSup = 95,
    Shutdown = 108,
}
