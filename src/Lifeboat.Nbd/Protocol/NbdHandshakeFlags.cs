namespace Lifeboat.Nbd.Protocol;

/// <summary>The server's 16 handshake flags.</summary>
[Flags]
public enum NbdHandshakeFlags : ushort
{
    None = 0,
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
}
