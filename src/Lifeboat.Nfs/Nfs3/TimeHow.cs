namespace Lifeboat.Nfs.Nfs3;

/// <summary>time_how of RFC 1813 section 2.6: how SETATTR changes a time.</summary>
public enum TimeHow : uint
{
    DontChange = 0,
    SetToServerTime = 1,
    SetToClientTime = 2,
}
