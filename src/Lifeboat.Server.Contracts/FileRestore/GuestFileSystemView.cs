namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>A file system of a restore point's disks, named as in the guest (<c>sda1</c>, <c>vg0/root</c>).</summary>
/// <param name="Type">ext4, xfs, btrfs, ntfs, vfat, swap, … or <c>unknown</c>.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Problem">Why it cannot be browsed, or null when it can.</param>
public sealed record GuestFileSystemView(string Name, string Type, string? Label, long Size, string? Problem);
