using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu.Host;
using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Finds a VM that runs now, by name, on a host: on the local QEMU host the VM of a live session (its VM name, or the
/// session's id); on a libvirt host any running domain of that name, whoever defined it.
/// </summary>
public sealed class RunningVms(SessionManager sessions, IHostDirectory hosts)
{
    /// <param name="name">The VM's name (or, on the local host, its session's id).</param>
    /// <param name="host">The host's inventory name; null or empty for the local QEMU host.</param>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    /// <exception cref="SessionStepException">No such host.</exception>
    /// <exception cref="HostException">No such VM on that host, it does not run, or the host cannot be reached; the message names the host.</exception>
    public async Task<IRunningVm> FindAsync(string name, string? host, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
            throw new ArgumentException("vm must name a running VM (1 to 200 characters, no control characters).");
        var hostName = string.IsNullOrEmpty(host) ? SessionRecord.LocalHostId : host;
        return hosts.Get(hostName) switch
        {
            LibvirtHost libvirt => await libvirt.OpenRunningAsync(name, cancellationToken).ConfigureAwait(false),
            _ => FindLocal(name),
        };
    }

    private QemuRunningVm FindLocal(string name)
    {
        var live = sessions.List()
            .Where(s => s.Session.HostId == SessionRecord.LocalHostId && !s.Session.IsFinal && s.Session.RuntimeDirectory is not null)
            .Where(s => SessionVm.NameOf(s.Session) == name || s.Session.Id == name)
            .ToList();
        if (live.Count == 0)
            throw new HostException($"Host {SessionRecord.LocalHostId} runs no VM named {name}: only VMs of live recovery sessions run there; list them with `lifeboat sessions`, or name the VM's libvirt host.");
        var running = live.FirstOrDefault(s => s.VmRunning)
            ?? throw new HostException($"VM {name} on host {SessionRecord.LocalHostId} is not running (session {live[0].Session.Id} is {live[0].Session.State.ToString().ToLowerInvariant()}); wait for it to start, or recover it again.");
        return new QemuRunningVm(SessionVm.NameOf(running.Session), running.Session.RuntimeDirectory!);
    }
}
