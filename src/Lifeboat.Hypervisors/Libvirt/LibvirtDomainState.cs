namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>libvirt's virDomainState.</summary>
public enum LibvirtDomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    ShutOff = 5,
    Crashed = 6,
    Suspended = 7,
}
