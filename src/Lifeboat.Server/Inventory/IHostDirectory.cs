using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Server.Inventory;

/// <summary>Finds the hypervisor host a session runs its VM on, by the name the session recorded.</summary>
public interface IHostDirectory
{
    /// <exception cref="KeyNotFoundException">No host has that name.</exception>
    IHypervisorHost Get(string name);
}
