using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Server.Inventory;

/// <summary>The hypervisor hosts sessions run their VMs on, by inventory name.</summary>
public interface IHostDirectory
{
    /// <exception cref="Sessions.SessionStepException">No host has that name; the message says how to list them.</exception>
    IHypervisorHost Get(string name);

    bool Exists(string name);
}
