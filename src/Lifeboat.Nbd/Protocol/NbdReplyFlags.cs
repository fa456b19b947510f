namespace Lifeboat.Nbd.Protocol;

/// <summary>Flags of a structured reply chunk.</summary>
[Flags]
public enum NbdReplyFlags : ushort
{
    None = 0,
    Done = 1 << 0,
}
