using System.Buffers;
using System.Security.Cryptography;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// Lifeboat's dirty bitmaps are named <c>lifeboat-VM-XXXXXXXX</c>: a new name at every backup, so the bitmap a
/// restore point records is the one that has tracked the disk's changes since exactly that restore point.
/// </summary>
public static class DirtyBitmapName
{
    private const int SuffixLength = 8;
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    public static string Prefix(string vm) => "lifeboat-" + vm + "-";

    public static string New(string vm) => Prefix(vm) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SuffixLength / 2));

    /// <summary>True for a bitmap of this VM's backups (and not of a VM whose name merely starts the same).</summary>
    public static bool IsOf(string name, string vm)
    {
        var prefix = Prefix(vm);
        return name.Length == prefix.Length + SuffixLength
            && name.StartsWith(prefix, StringComparison.Ordinal)
            && name.AsSpan(prefix.Length).IndexOfAnyExcept(HexDigits) < 0;
    }
}
