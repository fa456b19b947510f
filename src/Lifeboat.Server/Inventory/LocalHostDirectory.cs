using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.Host;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Inventory;

/// <summary>The hosts a server without an inventory of hosts knows: the embedded QEMU host alone.</summary>
public sealed class LocalHostDirectory(QemuHost local) : IHostDirectory
{
    public IHypervisorHost Get(string name) => name == local.Name
        ? local
        : throw new SessionStepException($"There is no hypervisor host named '{name}'; list them with `lifeboat hosts`, or recover on host {local.Name}.");
}
