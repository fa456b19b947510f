namespace Lifeboat.Nbd.Protocol;

/// <summary>The client's 32 flags, its answer to the handshake flags.</summary>
[Flags]
public enum NbdClientFlags : uint
{
    None = 0,
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
}
