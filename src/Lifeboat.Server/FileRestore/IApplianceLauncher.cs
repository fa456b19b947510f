using Lifeboat.FileRestore;

namespace Lifeboat.Server.FileRestore;

/// <summary>Starts a libguestfs appliance over a restore point's disks and gives the browser that drives it.</summary>
public interface IApplianceLauncher
{
    /// <summary>How many appliances may run at once (the memory budget over what one takes).</summary>
    int Capacity { get; }

    /// <summary>What the capacity comes from, for the sentence that refuses one more.</summary>
    string CapacityReason { get; }

    /// <summary>Launches an appliance reading <paramref name="drives"/> read-only (disk N is the guest's <c>sd</c> + the Nth letter).</summary>
    /// <exception cref="FileRestoreException">No appliance can start: too many run for the memory budget, or libguestfs failed.</exception>
    Task<IFileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken);
}
