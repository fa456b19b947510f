namespace Lifeboat.Hypervisors.Hosts;

/// <summary>
/// Hot-plugs a disk on the mount server into a VM that runs, and unplugs it; moves such a disk to a production file
/// while it stays attached (mirror, then pivot). Every call looks at what the VM has first, so it carries on after a
/// server restart and a second call does nothing more.
/// </summary>
public interface IDiskHotplug
{
    /// <summary>Attaches <paramref name="disk"/> as a virtio disk with its id as serial; returns what the host said.</summary>
    /// <exception cref="HostException">The VM does not run, or the host refused the disk.</exception>
    Task<string> AttachAsync(HotplugDisk disk, CancellationToken cancellationToken);

    /// <summary>Whether a disk of that id is attached now.</summary>
    Task<bool> IsAttachedAsync(string id, CancellationToken cancellationToken);

    /// <summary>Unplugs the disk (the guest lets go of it), waiting up to <paramref name="timeout"/>; says so when it was not attached.</summary>
    /// <exception cref="HostException">The guest did not let go in time, or the host refused.</exception>
    Task<string> DetachAsync(string id, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Creates the production file of the attached disk (kept when <paramref name="reuse"/> and it exists) and opens it beside the disk.</summary>
    /// <exception cref="HostException">There is no room, the file exists, or the host refused.</exception>
    Task<string> PrepareMirrorAsync(HotplugDisk disk, string productionPath, bool qcow2, bool reuse, CancellationToken cancellationToken);

    /// <summary>Mirrors the disk to its production file until both are in sync; <paramref name="progress"/> gets (bytes done, bytes in all).</summary>
    Task<long> MirrorAsync(HotplugDisk disk, Action<long, long> progress, CancellationToken cancellationToken);

    /// <summary>Switches the attached disk to its production file; the guest never notices.</summary>
    Task PivotAsync(HotplugDisk disk, CancellationToken cancellationToken);

    /// <summary>Undoes a mirror that did not finish (its job cancelled, its production node closed); the disk stays on the mount server. Never throws.</summary>
    Task<IReadOnlyList<string>> AbandonMirrorAsync(HotplugDisk disk);
}
