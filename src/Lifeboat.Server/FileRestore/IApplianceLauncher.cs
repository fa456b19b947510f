using Lifeboat.FileRestore;

namespace Lifeboat.Server.FileRestore;

/// <summary>Starts a libguestfs appliance over a restore point's disks and gives the browser that drives it.</summary>
public interface IApplianceLauncher
{
    /// <summary>Launches an appliance reading <paramref name="drives"/> read-only (disk N is the guest's <c>sd</c> + the Nth letter).</summary>
    /// <exception cref="FileRestoreException">No appliance can start: too many run for the memory budget, or libguestfs failed.</exception>
    Task<IFileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken);
}
