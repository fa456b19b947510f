using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Hosts;

/// <summary>
/// A VM that runs now on a host, found by its name rather than defined by a session: file-level restore writes into it
/// through its guest agent, instant disk recovery plugs a disk into it. Disposing lets go of the connections only; the
/// VM runs on.
/// </summary>
public interface IRunningVm : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The inventory name of the host it runs on.</summary>
    string HostName { get; }

    /// <summary>Its guest agent; one command at a time.</summary>
    IGuestAgent Agent { get; }
}
