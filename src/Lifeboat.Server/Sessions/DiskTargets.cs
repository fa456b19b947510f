using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// The running VM a disk recovery attaches to, as the hot-plug of its host. On the local QEMU host it is the VM of a live
/// recovery session reached through that session's own monitor connection (QEMU serves one monitor client at a time),
/// by the VM's name or the session's id; on a libvirt host any running domain of that name (<see cref="RunningVms"/>).
/// </summary>
internal sealed class DiskTargets(SessionManager sessions, RunningVms running)
{
    private static readonly TimeSpan ReattachPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReattachPoll = TimeSpan.FromMilliseconds(500);

    /// <summary>The VM's hot-plug; dispose the target when the operation ends.</summary>
    /// <exception cref="HostException">No such VM runs on that host; the message names the host.</exception>
    public async Task<DiskTarget> FindAsync(string name, string host, CancellationToken cancellationToken)
    {
        if (host != SessionRecord.LocalHostId)
        {
            var vm = await running.FindAsync(name, host, cancellationToken).ConfigureAwait(false);
            if (vm is LibvirtRunningVm domain)
                return new DiskTarget(domain.Hotplug, domain);
            await vm.DisposeAsync().ConfigureAwait(false);
            throw new HostException($"Host {host} cannot hot-plug disks into VM {name}; attach the disk to a VM of a libvirt host or of the local host.");
        }

        // After a server restart the VM's own session finds its QEMU again in its first operation: a moment's patience.
        var deadline = DateTime.UtcNow + ReattachPatience;
        while (true)
        {
            var (local, why) = sessions.RunningLocalVm(name);
            if (local is not null)
                return new DiskTarget(local.Hotplug, null);
            if (why is not null || DateTime.UtcNow > deadline)
                throw new HostException(why ?? $"VM {name} on host {SessionRecord.LocalHostId} is not running; start it, then attach again.");
            await Task.Delay(ReattachPoll, cancellationToken).ConfigureAwait(false);
        }
    }
}
