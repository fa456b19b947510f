using System.Buffers.Binary;

namespace Lifeboat.Repository.DiskImages;

/// <summary>Opens a disk image as an <see cref="IDiskSource"/>, telling qcow2 from raw by its first bytes.</summary>
public static class DiskSource
{
    private const int SniffLength = 72;
    private const uint VmdkMagic = 0x564D444B; // "KDMV", little-endian
    private const uint VdiSignature = 0xBEDA107F; // little-endian at byte 64
    private const ulong VhdxSignature = 0x656C69667864_6876; // "vhdxfile", little-endian

    /// <summary>
    /// Opens <paramref name="path"/> (a file or block device). Throws <see cref="DiskSourceException"/> when it
    /// does not exist, cannot be read, or is an image Lifeboat cannot read.
    /// </summary>
    public static IDiskSource Open(string path) => Open(path, format: null, chainDepth: 0);

    /// <summary>Opens an image of a known format ("raw" or "qcow2"), or sniffs it when <paramref name="format"/> is null.</summary>
    internal static IDiskSource Open(string path, string? format, int chainDepth)
    {
        var file = DiskFile.Open(path);
        try
        {
            format ??= Sniff(file);
            return format switch
            {
                "raw" => new RawDiskSource(file),
                "qcow2" => Qcow2DiskSource.Open(file, chainDepth),
                _ => throw DiskSourceException.Unsupported(path, $"the {format} format"),
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static string Sniff(DiskFile file)
    {
        Span<byte> head = stackalloc byte[SniffLength];
        file.ReadExactly(0, head);
        if (BinaryPrimitives.ReadUInt32BigEndian(head) == Qcow2Header.Magic)
            return "qcow2";

        // Other hypervisors' images would otherwise be backed up as raw disks full of metadata.
        if (BinaryPrimitives.ReadUInt32LittleEndian(head) == VmdkMagic)
            return "vmdk";
        if (BinaryPrimitives.ReadUInt64LittleEndian(head) == VhdxSignature)
            return "vhdx";
        if (BinaryPrimitives.ReadUInt32LittleEndian(head[64..]) == VdiSignature)
            return "vdi";
        return "raw";
    }
}
