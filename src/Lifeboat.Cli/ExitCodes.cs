namespace Lifeboat.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    /// <summary>The command ran, and found damaged data.</summary>
    public const int DamageFound = 3;
    public const int Cancelled = 130;
}
