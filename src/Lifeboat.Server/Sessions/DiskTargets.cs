using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// The running VM a disk recovery attaches to, as the hot-plug of its host. On the local QEMU host it is the VM of a live
/// recovery session, reached through that session's own connection to its QEMU (QEMU serves one monitor client at a
/// time), by the VM's name or the session's id.
/// </summary>
internal sealed class DiskTargets(SessionManager sessions)
{
    private static readonly TimeSpan ReattachPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReattachPoll = TimeSpan.FromMilliseconds(500);

    /// <exception cref="HostException">No such VM runs on that host; the message names the host.</exception>
    public async Task<IDiskHotplug> FindAsync(string name, string host, CancellationToken cancellationToken)
    {
        if (host != SessionRecord.LocalHostId)
            throw new HostException($"Attaching a disk to a VM on libvirt host {host} is not offered yet; attach it to a VM of the local host.");
        // After a server restart the VM's own session finds its QEMU again in its first operation: a moment's patience.
        var deadline = DateTime.UtcNow + ReattachPatience;
        while (true)
        {
            var (vm, why) = sessions.RunningLocalVm(name);
            if (vm is not null)
                return vm.Hotplug;
            if (why is not null || DateTime.UtcNow > deadline)
                throw new HostException(why ?? $"VM {name} on host {SessionRecord.LocalHostId} is not running; start it, then attach again.");
            await Task.Delay(ReattachPoll, cancellationToken).ConfigureAwait(false);
        }
    }
}
