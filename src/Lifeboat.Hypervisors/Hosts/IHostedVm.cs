using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Hosts;

/// <summary>
/// One VM a host defined for a session. Disposing lets go of it (connections, console copy) and leaves it as it is:
/// only <see cref="PowerOffAsync"/> and <see cref="UndefineAsync"/> change what runs on the host.
/// </summary>
public interface IHostedVm : IAsyncDisposable
{
    /// <summary>What the session saves to find the VM again after a restart (<see cref="IHypervisorHost.FindAsync"/>).</summary>
    string Reference { get; }

    string Name { get; }

    /// <summary>A file on this machine holding the console text so far (the local QEMU writes it; a remote host's console stream is copied there).</summary>
    string ConsoleLogPath { get; }

    /// <summary>Whether the VM runs, as this machine last saw it: answered at once, with no round trip to the host (the API shows it for every session).</summary>
    bool IsRunning { get; }

    /// <summary>Starts the VM; returns what the host said (process, domain id, accelerator).</summary>
    Task<string> StartAsync(CancellationToken cancellationToken);

    Task<HostedVmStatus> QueryStatusAsync(CancellationToken cancellationToken);

    /// <exception cref="TimeoutException">The agent did not answer in time.</exception>
    /// <exception cref="HostException">The VM stopped, or the host went away.</exception>
    Task WaitForAgentAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Waits until the console prints <paramref name="text"/>; returns the line it was in.</summary>
    /// <exception cref="TimeoutException">It did not in time.</exception>
    /// <exception cref="HostException">The VM stopped, or the host went away.</exception>
    Task<string> WaitForConsoleAsync(string text, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Runs a program in the guest through its agent.</summary>
    /// <exception cref="GuestAgentException">The agent refused it.</exception>
    /// <exception cref="TimeoutException">The agent stopped answering.</exception>
    Task<GuestExecResult> ExecAsync(string path, IReadOnlyList<string> arguments, byte[]? input, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Saves the VM's display as a PNG at <paramref name="pngPath"/>.</summary>
    /// <exception cref="HostException">The host gave no picture.</exception>
    Task TakeScreenshotAsync(string pngPath, CancellationToken cancellationToken);

    /// <summary>Moving the disks to production storage while the VM runs.</summary>
    IDiskMigration Migration { get; }

    /// <summary>Attaching a disk on the mount server to the running VM, and moving it to production while attached.</summary>
    IDiskHotplug Hotplug { get; }

    /// <summary>Powers the VM off (gracefully for up to <paramref name="timeout"/>, then by force); returns how.</summary>
    Task<string> PowerOffAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Removes what the host keeps of the VM (definition, runtime files); the console text stays at <see cref="ConsoleLogPath"/> until the folder goes.</summary>
    Task<string> UndefineAsync(CancellationToken cancellationToken);

    /// <summary>After the disks moved to production: the VM becomes the host's own (a persistent libvirt domain on its production disks); returns what it is now.</summary>
    Task<string> HandOverAsync(CancellationToken cancellationToken);
}
