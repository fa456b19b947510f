namespace Lifeboat.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    /// <summary>The command ran, and found damaged data.</summary>
    public const int DamageFound = 3;
    /// <summary>`lifeboat status`: a job run failed in the last 24 hours, a VM is overdue, or a repository is nearly full or unreadable.</summary>
    public const int NeedsAttention = 4;
    public const int Cancelled = 130;
}
