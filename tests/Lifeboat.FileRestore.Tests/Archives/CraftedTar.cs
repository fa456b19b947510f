using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>Tars made entry by entry with the product's writer, then damaged byte by byte where a test says.</summary>
internal static class CraftedTar
{
    public static async Task<byte[]> MakeAsync(IEnumerable<(TarEntry Entry, byte[]? Data)> entries, bool endMarker = true)
    {
        using var stream = new MemoryStream();
        var writer = new TarWriter(stream);
        foreach (var (entry, data) in entries)
        {
            await writer.WriteHeaderAsync(entry, CancellationToken.None);
            if (data is not null)
            {
                await writer.WriteDataAsync(data, CancellationToken.None);
                await writer.EndEntryAsync(CancellationToken.None);
            }
        }

        if (endMarker)
            await writer.FinishAsync(CancellationToken.None);
        return stream.ToArray();
    }

    public static TarEntry File(string name, long size) => new(System.Text.Encoding.UTF8.GetBytes(name), TarEntryKind.File, 0x1A4, 0, 0, size, 1600000000);

    public static TarEntry Link(string name, TarEntryKind kind, string target) =>
        new(System.Text.Encoding.UTF8.GetBytes(name), kind, 0x1FF, 0, 0, 0, 1600000000, System.Text.Encoding.UTF8.GetBytes(target));

    /// <summary>Gives every block that looks like a header (ustar magic) the checksum of its bytes, so damage reaches the fields behind it.</summary>
    public static void FixChecksums(byte[] tar)
    {
        for (var at = 0; at + TarHeader.BlockSize <= tar.Length; at += TarHeader.BlockSize)
        {
            if (tar.AsSpan(at + TarHeader.Magic, 5).SequenceEqual("ustar"u8))
                TarNumber.Write(tar.AsSpan(at + TarHeader.Checksum, 7), TarHeader.Sum(tar.AsSpan(at, TarHeader.BlockSize), signed: false));
        }
    }

    /// <summary>Sets the header at <paramref name="offset"/>'s type flag and fixes its checksum, so the reader sees a well-formed header of that type.</summary>
    public static void Retype(byte[] tar, int offset, byte type)
    {
        tar[offset + TarHeader.TypeFlag] = type;
        TarNumber.Write(tar.AsSpan(offset + TarHeader.Checksum, 7), TarHeader.Sum(tar.AsSpan(offset, TarHeader.BlockSize), signed: false));
    }
}
