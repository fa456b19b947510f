namespace Lifeboat.MountServer.Control;

/// <summary>
/// The mount server's control program, served on the NFS port next to MOUNT and NFS and answered only for
/// loopback callers: `lifeboat publish`, `lifeboat unpublish` and `lifeboat publications` talk to a running
/// mount server through it.
/// </summary>
public enum ControlProc : uint
{
    Null = 0,
    Publish = 1,
    Unpublish = 2,
    List = 3,
}
