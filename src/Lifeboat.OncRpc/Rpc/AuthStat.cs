namespace Lifeboat.OncRpc.Rpc;

/// <summary>auth_stat of RFC 5531 section 9: why credentials or a verifier were refused.</summary>
public enum AuthStat : uint
{
    Ok = 0,
    BadCred = 1,
    RejectedCred = 2,
    BadVerf = 3,
    RejectedVerf = 4,
    TooWeak = 5,
    InvalidResp = 6,
    Failed = 7,
}
