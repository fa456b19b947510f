namespace Lifeboat.MountServer.Control;

/// <summary>
/// The mount server's control program, served on a unix socket only (<see cref="ControlSocket"/>) and answered only
/// for root and group lifeboat: `lifeboat publish`, `lifeboat unpublish` and `lifeboat publications` talk to a
/// running mount server through it.
/// </summary>
public enum ControlProc : uint
{
    Null = 0,
    Publish = 1,
    Unpublish = 2,
    List = 3,
}
