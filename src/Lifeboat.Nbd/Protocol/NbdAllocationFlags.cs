namespace Lifeboat.Nbd.Protocol;

/// <summary>Status flags of the <c>base:allocation</c> metadata context.</summary>
[Flags]
public enum NbdAllocationFlags : uint
{
    None = 0,
    Hole = 1 << 0,
    Zero = 1 << 1,
}
