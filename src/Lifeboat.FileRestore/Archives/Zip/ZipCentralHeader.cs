using System.Buffers.Binary;

namespace Lifeboat.FileRestore.Archives.Zip;

/// <summary>The central directory's records: one header per entry, then the (Zip64) end records.</summary>
internal static class ZipCentralHeader
{
    /// <summary>
    /// Writes the fixed part of the entry's header at the start of <paramref name="record"/> and its extra fields right
    /// after it (the caller writes the fixed part, the name, then <see cref="ExtraLength"/> bytes of extra).
    /// </summary>
    /// <returns>The fixed part's length.</returns>
    public static int Write(Span<byte> record, ZipCentralEntry entry)
    {
        var zip64Length = Zip64Length(entry);
        var header = record[..ZipRecords.CentralHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, ZipRecords.CentralHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], ZipRecords.MadeByUnix);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], zip64Length > 0 ? ZipRecords.NeedsZip64 : ZipRecords.NeedsDeflate);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], entry.Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(header[10..], entry.Method);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], entry.DosTime);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], entry.Crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], Clamp(entry.CompressedSize));
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Clamp(entry.Size));
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)entry.Name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[30..], (ushort)ExtraLength(entry));
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[36..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[38..], entry.ExternalAttributes);
        BinaryPrimitives.WriteUInt32LittleEndian(header[42..], Clamp(entry.Offset));

        var extra = record[ZipRecords.CentralHeaderLength..];
        var at = 0;
        if (zip64Length > 0)
        {
            // Only the fields whose 32-bit slot says 0xFFFFFFFF, in this order (APPNOTE 4.5.3).
            BinaryPrimitives.WriteUInt16LittleEndian(extra, ZipRecords.Zip64Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)(zip64Length - 4));
            at = 4;
            foreach (var value in (ReadOnlySpan<long>)[entry.Size, entry.CompressedSize, entry.Offset])
            {
                if (value >= ZipRecords.Overflow32)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(extra[at..], value);
                    at += 8;
                }
            }
        }

        ZipRecords.WriteUnixExtra(extra[at..], entry.ModifiedAt, entry.Uid, entry.Gid);
        return ZipRecords.CentralHeaderLength;
    }

    public static int ExtraLength(ZipCentralEntry entry) => Zip64Length(entry) + ZipRecords.UnixExtraLength;

    /// <summary>Writes the end of central directory record, preceded by the Zip64 end record and its locator when a count, size or offset overflows.</summary>
    public static byte[] WriteEnd(byte[] buffer, int count, long start, long length, out int written)
    {
        var span = buffer.AsSpan();
        var zip64 = count >= ZipRecords.Overflow16 || start >= ZipRecords.Overflow32 || length >= ZipRecords.Overflow32;
        var at = 0;
        if (zip64)
        {
            var zip64End = start + length;
            BinaryPrimitives.WriteUInt32LittleEndian(span, ZipRecords.Zip64EndSignature);
            BinaryPrimitives.WriteInt64LittleEndian(span[4..], ZipRecords.Zip64EndLength - 12);
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], ZipRecords.MadeByUnix);
            BinaryPrimitives.WriteUInt16LittleEndian(span[14..], ZipRecords.NeedsZip64);
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 0);
            BinaryPrimitives.WriteInt64LittleEndian(span[24..], count);
            BinaryPrimitives.WriteInt64LittleEndian(span[32..], count);
            BinaryPrimitives.WriteInt64LittleEndian(span[40..], length);
            BinaryPrimitives.WriteInt64LittleEndian(span[48..], start);
            var locator = span[ZipRecords.Zip64EndLength..];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, ZipRecords.Zip64LocatorSignature);
            BinaryPrimitives.WriteUInt32LittleEndian(locator[4..], 0);
            BinaryPrimitives.WriteInt64LittleEndian(locator[8..], zip64End);
            BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
            at = ZipRecords.Zip64EndLength + ZipRecords.Zip64LocatorLength;
        }

        var end = span[at..];
        var shortCount = (ushort)Math.Min(count, ZipRecords.Overflow16);
        BinaryPrimitives.WriteUInt32LittleEndian(end, ZipRecords.EndSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(end[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(end[6..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], shortCount);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], shortCount);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], Clamp(length));
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], Clamp(start));
        BinaryPrimitives.WriteUInt16LittleEndian(end[20..], 0);
        written = at + ZipRecords.EndLength;
        return buffer;
    }

    private static int Zip64Length(ZipCentralEntry entry)
    {
        var fields = (entry.Size >= ZipRecords.Overflow32 ? 1 : 0) + (entry.CompressedSize >= ZipRecords.Overflow32 ? 1 : 0) + (entry.Offset >= ZipRecords.Overflow32 ? 1 : 0);
        return fields == 0 ? 0 : 4 + (8 * fields);
    }

    private static uint Clamp(long value) => value >= ZipRecords.Overflow32 ? ZipRecords.Overflow32 : (uint)value;
}
