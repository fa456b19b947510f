using System.Globalization;
using System.Text;

namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>
/// The records of a PAX extended header (<c>LENGTH KEY=VALUE\n</c>) that override the next entry's ustar fields: path,
/// linkpath, size, mtime, uid, gid, uname, gname. Other keys (atime, ctime, SCHILY.*, GNU.sparse.*) are ignored.
/// </summary>
internal sealed class PaxRecords
{
    private const int MaxOwnerNameLength = 256;

    public byte[]? Path { get; private set; }

    public byte[]? LinkPath { get; private set; }

    public long? Size { get; private set; }

    public long? ModifiedAt { get; private set; }

    public long? Uid { get; private set; }

    public long? Gid { get; private set; }

    public string? UserName { get; private set; }

    public string? GroupName { get; private set; }

    /// <exception cref="FileRestoreException">A record's length, key or number is malformed.</exception>
    public static PaxRecords Parse(ReadOnlySpan<byte> header)
    {
        var records = new PaxRecords();
        while (!header.IsEmpty)
        {
            if (header[0] == 0)
                break;
            var space = header.IndexOf((byte)' ');
            if (space is <= 0 or > 9 || !int.TryParse(header[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= space + 2 || length > header.Length || header[length - 1] != (byte)'\n')
                throw new FileRestoreException("A PAX record's length does not match its bytes: the tar is damaged.", "tar");
            var record = header[(space + 1)..(length - 1)];
            header = header[length..];
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0)
                throw new FileRestoreException("A PAX record has no 'key=value': the tar is damaged.", "tar");
            records.Set(record[..equals], record[(equals + 1)..]);
        }

        return records;
    }

    private void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.SequenceEqual("path"u8))
            Path = Name(value, "path");
        else if (key.SequenceEqual("linkpath"u8))
            LinkPath = Name(value, "linkpath");
        else if (key.SequenceEqual("size"u8))
            Size = Number(value, "size");
        else if (key.SequenceEqual("uid"u8))
            Uid = Number(value, "uid");
        else if (key.SequenceEqual("gid"u8))
            Gid = Number(value, "gid");
        else if (key.SequenceEqual("mtime"u8))
            ModifiedAt = Seconds(value);
        else if (key.SequenceEqual("uname"u8))
            UserName = Owner(value, "uname");
        else if (key.SequenceEqual("gname"u8))
            GroupName = Owner(value, "gname");
    }

    private static byte[] Name(ReadOnlySpan<byte> value, string key)
    {
        if (value.IsEmpty || value.Length > TarEntry.MaxNameLength || value.Contains((byte)0))
            throw new FileRestoreException($"The tar's PAX {key} is empty, holds a NUL, or is over {TarEntry.MaxNameLength} bytes.", "tar");
        return value.ToArray();
    }

    private static long Number(ReadOnlySpan<byte> value, string key) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FileRestoreException($"The tar's PAX {key} is not a non-negative decimal number.", "tar");

    private static long Seconds(ReadOnlySpan<byte> value)
    {
        var dot = value.IndexOf((byte)'.');
        var whole = dot < 0 ? value : value[..dot];
        var fraction = dot < 0 ? [] : value[(dot + 1)..];
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds) || fraction.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            throw new FileRestoreException("The tar's PAX mtime is not a decimal number of seconds.", "tar");
        return seconds < 0 && fraction.ContainsAnyExcept((byte)'0') ? seconds - 1 : seconds;
    }

    private static string Owner(ReadOnlySpan<byte> value, string key) =>
        value.Length <= MaxOwnerNameLength
            ? Encoding.UTF8.GetString(value)
            : throw new FileRestoreException($"The tar's PAX {key} is over {MaxOwnerNameLength} bytes.", "tar");
}
