namespace Lifeboat.OncRpc.Rpc;

/// <summary>authsys_parms of RFC 5531 appendix A: the caller's claimed identity (not proof of it).</summary>
public sealed record AuthSysParameters(uint Stamp, string MachineName, uint Uid, uint Gid, IReadOnlyList<uint> Gids)
{
    /// <summary>The limit on machinename's length in RFC 5531.</summary>
    public const int MaxMachineNameLength = 255;

    /// <summary>The limit on the number of supplementary groups in RFC 5531.</summary>
    public const int MaxGids = 16;
}
