namespace Lifeboat.Hypervisors.Hosts;

/// <summary>A disk to hot-plug into a running VM.</summary>
/// <param name="Id">Names the disk in the VM for as long as it is attached (letters, digits and '-'; at most 20); also its serial, which the guest sees.</param>
/// <param name="Url">Where the disk is on the mount server: <c>nfs://</c>, <c>nbd://</c> or <c>nbd+unix://</c>.</param>
/// <param name="Size">The disk's virtual size in bytes, for the production file a migration makes.</param>
public sealed record HotplugDisk(string Id, string Url, long Size)
{
    /// <summary>virtio-blk carries a serial of at most 20 bytes; the guest sees it in /sys/block/vdX/serial.</summary>
    public const int MaxIdLength = 20;

    /// <exception cref="ArgumentException">The id is empty, too long, or has other characters than letters, digits and '-'.</exception>
    public static string ValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? id
            : throw new ArgumentException($"The hot-plugged disk's id '{id}' must be 1 to {MaxIdLength} letters, digits or '-'.", nameof(id));
}
