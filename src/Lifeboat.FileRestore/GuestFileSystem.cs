namespace Lifeboat.FileRestore;

/// <summary>
/// One file system of a restore point's disks, named as a Linux admin knows it from the guest: <c>sda1</c> (disk 0,
/// partition 1; disk N is <c>sd</c> + the Nth letter), <c>sdb</c> (a whole disk), <c>vg0/root</c> (an LVM volume).
/// </summary>
/// <param name="Name">The name used in paths (<see cref="GuestPath.FileSystem"/>).</param>
/// <param name="Type">ext4, xfs, btrfs, ntfs, vfat, swap, … as the appliance detected it; <c>unknown</c> when it found none.</param>
/// <param name="Label">The file system's label, or null.</param>
/// <param name="Size">The size of the partition or volume in bytes.</param>
/// <param name="Problem">Why it cannot be browsed (swap, unknown, or the appliance failed to mount it read-only), or null when it can.</param>
public sealed record GuestFileSystem(string Name, string Type, string? Label, long Size, string? Problem)
{
    public bool CanBrowse => Problem is null;
}
