using System.Buffers;
using System.Text;

namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>
/// Reads a tar from a stream, entry by entry, keeping names' raw bytes: ustar, GNU long names and links
/// (<c>././@LongLink</c>, types 'L' and 'K') and PAX extended headers (path, linkpath, size, mtime, uid, gid, uname,
/// gname; global 'g' headers are skipped). The tar is hostile: every header's checksum and numbers are checked, and every
/// length is capped before anything is allocated for it. An entry's data is read through <see cref="ReadDataAsync"/>;
/// what is left of it is skipped by the next <see cref="NextAsync"/>.
/// </summary>
internal sealed class TarReader
{
    /// <summary>The largest PAX extended header read (GNU tar writes a few hundred bytes).</summary>
    public const int MaxPaxHeaderLength = 1024 * 1024;

    private const int MaxExtensionHeaders = 16;

    private readonly Stream _stream;
    private readonly byte[] _block = new byte[TarHeader.BlockSize];
    private long _remaining;
    private int _padding;
    private TarEntry? _current;

    public TarReader(Stream stream) => _stream = stream;

    /// <summary>Bytes of the current entry's data not read yet.</summary>
    public long Remaining => _remaining;

    /// <summary>The next entry, or null at the tar's end marker.</summary>
    /// <exception cref="FileRestoreException">A header is damaged or hostile, or the tar ends before its end marker.</exception>
    public async ValueTask<TarEntry?> NextAsync(CancellationToken cancellationToken)
    {
        await SkipAsync(_remaining + _padding, cancellationToken);
        _remaining = 0;
        _padding = 0;
        _current = null;
        byte[]? longName = null;
        byte[]? longLink = null;
        PaxRecords? pax = null;
        for (var extensions = 0; ; extensions++)
        {
            if (extensions > MaxExtensionHeaders)
                throw new FileRestoreException($"The tar has more than {MaxExtensionHeaders} extension headers in a row; it is damaged.", "tar");
            if (!await ReadBlockAsync(cancellationToken))
                throw new FileRestoreException("The tar ends without its end marker: it was cut short.", "tar");
            if (!_block.AsSpan().ContainsAnyExcept((byte)0))
                return null;
            CheckHeader();
            var type = _block[TarHeader.TypeFlag];
            var size = TarNumber.Parse(_block.AsSpan(TarHeader.Size, 12), "size");
            switch (type)
            {
                case (byte)'L':
                    longName = await ReadLongNameAsync(size, cancellationToken);
                    continue;
                case (byte)'K':
                    longLink = await ReadLongNameAsync(size, cancellationToken);
                    continue;
                case (byte)'x':
                    pax = await ReadPaxAsync(size, cancellationToken);
                    continue;
                case (byte)'g':
                    await SkipAsync(Padded(size), cancellationToken);
                    continue;
            }

            var entry = ParseEntry(type, size, longName, longLink, pax);
            var dataLength = pax?.Size ?? size;
            _current = entry;
            if (entry.Kind != TarEntryKind.File)
            {
                // A folder or link with data (allowed by POSIX, written by no tar we know): the data is not theirs to keep.
                await SkipAsync(Padded(dataLength), cancellationToken);
                return entry;
            }

            _remaining = dataLength;
            _padding = (int)(Padded(dataLength) - dataLength);
            return entry;
        }
    }

    /// <summary>Reads the current entry's data; 0 when all of it was read.</summary>
    /// <exception cref="FileRestoreException">The tar ends inside the entry's data.</exception>
    public async ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_remaining == 0 || buffer.IsEmpty)
            return 0;
        var want = (int)Math.Min(buffer.Length, _remaining);
        var read = await _stream.ReadAsync(buffer[..want], cancellationToken);
        if (read == 0)
            throw new FileRestoreException($"The tar ends inside the data of '{_current?.DisplayName}': it was cut short.", "tar");
        _remaining -= read;
        return read;
    }

    /// <summary>Reads what follows the end marker (GNU tar pads to 10 KiB records), so the writer of the stream is not left blocked.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await _stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static long Padded(long size) => (size + TarHeader.BlockSize - 1) / TarHeader.BlockSize * TarHeader.BlockSize;

    private void CheckHeader()
    {
        var magic = _block.AsSpan(TarHeader.Magic, 8);
        if (!magic[..6].SequenceEqual(TarHeader.PosixMagic) && !magic.SequenceEqual(TarHeader.GnuMagic))
            throw new FileRestoreException("The tar holds a header without the ustar magic: it is not a POSIX or GNU tar, or it is damaged.", "tar");
        var stored = TarNumber.Parse(_block.AsSpan(TarHeader.Checksum, 8), "checksum");
        if (stored != TarHeader.Sum(_block, signed: false) && stored != TarHeader.Sum(_block, signed: true))
            throw new FileRestoreException("A tar header's checksum does not match its bytes: the tar is damaged.", "tar");
    }

    private TarEntry ParseEntry(byte type, long size, byte[]? longName, byte[]? longLink, PaxRecords? pax)
    {
        var header = _block.AsSpan();
        var kind = type switch
        {
            (byte)'0' or 0 or (byte)'7' => TarEntryKind.File,
            (byte)'1' => TarEntryKind.HardLink,
            (byte)'2' => TarEntryKind.Symlink,
            (byte)'3' => TarEntryKind.CharDevice,
            (byte)'4' => TarEntryKind.BlockDevice,
            (byte)'5' => TarEntryKind.Directory,
            (byte)'6' => TarEntryKind.Fifo,
            _ => throw new FileRestoreException(
                $"The tar holds an entry of type '{GuestText.Escape([type])}', which is not a file, folder, link, device or fifo (GNU sparse files are not read).", "tar"),
        };
        var name = pax?.Path ?? longName ?? UstarName(header);
        if (name.Length == 0)
            throw new FileRestoreException("The tar holds an entry without a name.", "tar");
        var link = kind is TarEntryKind.Symlink or TarEntryKind.HardLink
            ? pax?.LinkPath ?? longLink ?? TarHeader.Text(header.Slice(TarHeader.LinkName, TarHeader.NameLength)).ToArray()
            : null;
        var isDevice = kind is TarEntryKind.CharDevice or TarEntryKind.BlockDevice;
        return new TarEntry(
            name,
            kind,
            (int)(TarNumber.Parse(header.Slice(TarHeader.Mode, 8), "mode") & 0xFFF),
            pax?.Uid ?? TarNumber.Parse(header.Slice(TarHeader.Uid, 8), "uid"),
            pax?.Gid ?? TarNumber.Parse(header.Slice(TarHeader.Gid, 8), "gid"),
            kind == TarEntryKind.File ? pax?.Size ?? size : 0,
            pax?.ModifiedAt ?? TarNumber.Parse(header.Slice(TarHeader.ModifiedAt, 12), "mtime"),
            link,
            pax?.UserName ?? Latin(TarHeader.Text(header.Slice(TarHeader.UserName, TarHeader.NameFieldLength))),
            pax?.GroupName ?? Latin(TarHeader.Text(header.Slice(TarHeader.GroupName, TarHeader.NameFieldLength))),
            isDevice ? (int)Math.Min(int.MaxValue, TarNumber.Parse(header.Slice(TarHeader.DeviceMajor, 8), "devmajor")) : 0,
            isDevice ? (int)Math.Min(int.MaxValue, TarNumber.Parse(header.Slice(TarHeader.DeviceMinor, 8), "devminor")) : 0);
    }

    private static byte[] UstarName(ReadOnlySpan<byte> header)
    {
        var name = TarHeader.Text(header[..TarHeader.NameLength]);
        var prefix = header.Slice(TarHeader.Magic, 8).SequenceEqual(TarHeader.GnuMagic)
            ? []
            : TarHeader.Text(header.Slice(TarHeader.Prefix, TarHeader.PrefixLength));
        return prefix.IsEmpty ? name.ToArray() : [.. prefix, (byte)'/', .. name];
    }

    private static string? Latin(ReadOnlySpan<byte> text) => text.IsEmpty ? null : Encoding.Latin1.GetString(text);

    private async ValueTask<byte[]> ReadLongNameAsync(long size, CancellationToken cancellationToken)
    {
        if (size is <= 0 or > TarEntry.MaxNameLength)
            throw new FileRestoreException($"The tar holds a long name of {size} bytes; names over {TarEntry.MaxNameLength} bytes are refused.", "tar");
        var bytes = await ReadPaddedAsync((int)size, cancellationToken);
        var nul = Array.IndexOf(bytes, (byte)0);
        return nul < 0 ? bytes : bytes[..nul];
    }

    private async ValueTask<PaxRecords> ReadPaxAsync(long size, CancellationToken cancellationToken)
    {
        if (size is < 0 or > MaxPaxHeaderLength)
            throw new FileRestoreException($"The tar holds a PAX header of {size} bytes; headers over {MaxPaxHeaderLength} bytes are refused.", "tar");
        return PaxRecords.Parse(await ReadPaddedAsync((int)size, cancellationToken));
    }

    private async ValueTask<byte[]> ReadPaddedAsync(int size, CancellationToken cancellationToken)
    {
        var bytes = new byte[size];
        try
        {
            await _stream.ReadExactlyAsync(bytes, cancellationToken);
        }
        catch (EndOfStreamException e)
        {
            throw new FileRestoreException("The tar ends inside an extension header: it was cut short.", "tar", e);
        }

        await SkipAsync(Padded(size) - size, cancellationToken);
        return bytes;
    }

    private async ValueTask<bool> ReadBlockAsync(CancellationToken cancellationToken)
    {
        var read = await _stream.ReadAtLeastAsync(_block, _block.Length, throwOnEndOfStream: false, cancellationToken);
        if (read is > 0 and < TarHeader.BlockSize)
            throw new FileRestoreException("The tar ends inside a header: it was cut short.", "tar");
        return read == TarHeader.BlockSize;
    }

    private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        if (count <= 0)
            return;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, 64 * 1024));
        try
        {
            while (count > 0)
            {
                var read = await _stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(count, buffer.Length)), cancellationToken);
                if (read == 0)
                    throw new FileRestoreException($"The tar ends inside the data of '{_current?.DisplayName}': it was cut short.", "tar");
                count -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
