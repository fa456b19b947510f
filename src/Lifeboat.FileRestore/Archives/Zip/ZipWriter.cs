using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text.Unicode;
using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Archives.Zip;

/// <summary>
/// Writes a zip to a stream that cannot seek (an HTTP response): files deflated with their CRC and sizes in a data
/// descriptor after the data, Zip64 where an entry, an offset or the count does not fit 32 (16) bits, names as raw bytes
/// (the UTF-8 flag only on valid UTF-8), made by Unix with st_mode in the external attributes, Info-ZIP's mtime (0x5455)
/// and uid/gid (0x7875) fields, symlinks as S_IFLNK entries whose data is the target. System.IO.Compression's ZipArchive
/// can write none of owners, modes or raw names. Devices and fifos have no zip form: the caller leaves them out.
/// </summary>
internal sealed class ZipWriter
{
    /// <summary>Files from this size on get Zip64 sizes in their local header: deflate may grow incompressible data by a little, never by 256 MiB.</summary>
    private const long Zip64FileSize = 0xF000_0000;

    private const int SIfReg = 0x8000;
    private const int SIfDir = 0x4000;
    private const int SIfLnk = 0xA000;
    private const uint DosDirectoryAttribute = 0x10;

    private readonly CountingStream _archive;
    private readonly CompressionLevel _level;
    private readonly List<ZipCentralEntry> _entries = [];
    private readonly byte[] _header = new byte[ZipRecords.LocalHeaderLength + 20 + ZipRecords.UnixExtraLength];
    private ZipFileStream? _file;
    private TarEntry? _fileEntry;
    private long _fileOffset;
    private long _fileStart;
    private bool _fileZip64;

    public ZipWriter(Stream destination, CompressionLevel level = CompressionLevel.Optimal)
    {
        _archive = new CountingStream(destination);
        _level = level;
    }

    /// <summary>Starts a regular file's entry; write its data to the stream returned, then call <see cref="EndFileAsync"/>.</summary>
    public async ValueTask<Stream> BeginFileAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        _fileEntry = entry;
        _fileOffset = _archive.Written;
        _fileZip64 = entry.Size >= Zip64FileSize;
        var flags = (ushort)(ZipRecords.DataDescriptorFlag | Utf8(entry.Name));
        await WriteLocalHeaderAsync(entry, entry.Name, flags, ZipRecords.Deflated, 0, 0, 0, _fileZip64, cancellationToken);
        _fileStart = _archive.Written;
        _file = new ZipFileStream(_archive, _level);
        return _file;
    }

    /// <summary>Ends the file's data and writes its data descriptor.</summary>
    public async ValueTask EndFileAsync(CancellationToken cancellationToken)
    {
        var file = _file ?? throw new InvalidOperationException("No file entry is open.");
        var entry = _fileEntry!;
        await file.CompleteAsync();
        _file = null;
        var compressed = _archive.Written - _fileStart;
        if (!_fileZip64 && (compressed >= ZipRecords.Overflow32 || file.Size >= ZipRecords.Overflow32))
            throw new FileRestoreException($"'{entry.DisplayName}' grew past 4 GiB while it was read; its size was {entry.Size}.", "path");
        var descriptor = _header.AsSpan(0, _fileZip64 ? 24 : 16);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor, ZipRecords.DataDescriptorSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor[4..], file.Crc);
        if (_fileZip64)
        {
            BinaryPrimitives.WriteInt64LittleEndian(descriptor[8..], compressed);
            BinaryPrimitives.WriteInt64LittleEndian(descriptor[16..], file.Size);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], (uint)compressed);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[12..], (uint)file.Size);
        }

        await _archive.WriteAsync(_header.AsMemory(0, descriptor.Length), cancellationToken);
        _entries.Add(new ZipCentralEntry(
            entry.Name, (ushort)(ZipRecords.DataDescriptorFlag | Utf8(entry.Name)), ZipRecords.Deflated, ZipRecords.DosTime(entry.ModifiedAt),
            file.Crc, compressed, file.Size, _fileOffset, Attributes(SIfReg, entry.Mode), entry.ModifiedAt, entry.Uid, entry.Gid));
    }

    /// <summary>Writes a folder (its name ends with '/') or a symlink (its data is the target), stored.</summary>
    public async ValueTask WriteEntryAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        var isFolder = entry.Kind == TarEntryKind.Directory;
        if (!isFolder && entry.Kind != TarEntryKind.Symlink)
            throw new ArgumentException("Only folders and symlinks are written without data.", nameof(entry));
        var name = isFolder && entry.Name[^1] != (byte)'/' ? [.. entry.Name, (byte)'/'] : entry.Name;
        var data = isFolder ? [] : entry.LinkName ?? [];
        var crc = Crc32.HashToUInt32(data);
        var offset = _archive.Written;
        var flags = Utf8(name);
        await WriteLocalHeaderAsync(entry, name, flags, ZipRecords.Stored, crc, data.Length, data.Length, false, cancellationToken);
        await _archive.WriteAsync(data, cancellationToken);
        var attributes = isFolder ? Attributes(SIfDir, entry.Mode) | DosDirectoryAttribute : Attributes(SIfLnk, 0x1FF);
        _entries.Add(new ZipCentralEntry(
            name, flags, ZipRecords.Stored, ZipRecords.DosTime(entry.ModifiedAt), crc, data.Length, data.Length, offset, attributes, entry.ModifiedAt, entry.Uid, entry.Gid));
    }

    /// <summary>Writes the central directory and the end records.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        var start = _archive.Written;
        var record = new byte[ZipRecords.CentralHeaderLength + 28 + ZipRecords.UnixExtraLength];
        foreach (var entry in _entries)
        {
            var length = ZipCentralHeader.Write(record, entry);
            await _archive.WriteAsync(record.AsMemory(0, length), cancellationToken);
            await _archive.WriteAsync(entry.Name, cancellationToken);
            await _archive.WriteAsync(record.AsMemory(length, ZipCentralHeader.ExtraLength(entry)), cancellationToken);
        }

        var end = ZipCentralHeader.WriteEnd(new byte[ZipRecords.Zip64EndLength + ZipRecords.Zip64LocatorLength + ZipRecords.EndLength], _entries.Count, start, _archive.Written - start, out var endLength);
        await _archive.WriteAsync(end.AsMemory(0, endLength), cancellationToken);
        await _archive.FlushAsync(cancellationToken);
    }

    private async ValueTask WriteLocalHeaderAsync(
        TarEntry entry, byte[] name, ushort flags, ushort method, uint crc, long compressed, long size, bool zip64, CancellationToken cancellationToken)
    {
        if (name.Length > ushort.MaxValue)
            throw new FileRestoreException($"'{entry.DisplayName}' has a name over 65,535 bytes, which a zip cannot hold.", "path");
        var header = _header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(header, ZipRecords.LocalHeaderSignature);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], zip64 ? ZipRecords.NeedsZip64 : ZipRecords.NeedsDeflate);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], method);
        BinaryPrimitives.WriteUInt32LittleEndian(header[10..], ZipRecords.DosTime(entry.ModifiedAt));
        BinaryPrimitives.WriteUInt32LittleEndian(header[14..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(header[18..], zip64 ? ZipRecords.Overflow32 : (uint)compressed);
        BinaryPrimitives.WriteUInt32LittleEndian(header[22..], zip64 ? ZipRecords.Overflow32 : (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)name.Length);
        var extraLength = ZipRecords.UnixExtraLength + (zip64 ? 20 : 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)extraLength);
        await _archive.WriteAsync(_header.AsMemory(0, ZipRecords.LocalHeaderLength), cancellationToken);
        await _archive.WriteAsync(name, cancellationToken);
        var extra = _header.AsSpan(0, extraLength);
        extra.Clear();
        var at = 0;
        if (zip64)
        {
            // Sizes are 0 here: the data descriptor that follows the data holds them (8 bytes each).
            BinaryPrimitives.WriteUInt16LittleEndian(extra, ZipRecords.Zip64Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 16);
            at = 20;
        }

        ZipRecords.WriteUnixExtra(extra[at..], entry.ModifiedAt, entry.Uid, entry.Gid);
        await _archive.WriteAsync(_header.AsMemory(0, extraLength), cancellationToken);
    }

    private static ushort Utf8(byte[] name) => System.Text.Unicode.Utf8.IsValid(name) ? ZipRecords.Utf8Flag : (ushort)0;

    private static uint Attributes(int type, int mode) => (uint)(type | (mode & 0xFFF)) << 16;
}
