using System.Text;

namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>
/// Writes a GNU-format tar to a stream, names as raw bytes. GNU rather than PAX because its two extensions cover all we
/// need with no text to format: names and link targets over 100 bytes go in a <c>././@LongLink</c> entry before theirs
/// ('L' and 'K'), and numbers octal cannot hold (sizes of 8 GiB and more, large owners, times before 1970) in base-256.
/// GNU tar, bsdtar and Python's tarfile read both.
/// </summary>
internal sealed class TarWriter
{
    private static ReadOnlySpan<byte> LongLinkName => "././@LongLink"u8;

    private readonly Stream _destination;
    private readonly byte[] _block = new byte[TarHeader.BlockSize];
    private long _remaining;
    private long _padding;
    private TarEntry? _current;

    public TarWriter(Stream destination) => _destination = destination;

    /// <summary>Writes the entry's header; a file's <see cref="TarEntry.Size"/> bytes of data follow through <see cref="WriteDataAsync"/>, then <see cref="EndEntryAsync"/>.</summary>
    public async ValueTask WriteHeaderAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        if (_remaining != 0)
            throw new InvalidOperationException("The previous entry's data was not all written.");
        if (entry.Name.Length is 0 or > TarEntry.MaxNameLength || entry.LinkName?.Length > TarEntry.MaxNameLength)
            throw new FileRestoreException($"'{entry.DisplayName}' or its link target is empty or over {TarEntry.MaxNameLength} bytes.", "path");
        if (entry.Name.Length > TarHeader.NameLength)
            await WriteLongNameAsync((byte)'L', entry.Name, cancellationToken);
        if (entry.LinkName?.Length > TarHeader.NameLength)
            await WriteLongNameAsync((byte)'K', entry.LinkName, cancellationToken);
        var size = entry.Kind == TarEntryKind.File ? entry.Size : 0;
        Fill(entry.Name, TypeFlag(entry.Kind), size, entry);
        await _destination.WriteAsync(_block, cancellationToken);
        _current = entry;
        _remaining = size;
        _padding = (TarHeader.BlockSize - (size % TarHeader.BlockSize)) % TarHeader.BlockSize;
    }

    /// <exception cref="FileRestoreException">More bytes than the entry's size.</exception>
    public ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (data.Length > _remaining)
            throw new FileRestoreException($"'{_current?.DisplayName}' gave more bytes than its size of {_current?.Size}; it changed while it was read.", "path");
        _remaining -= data.Length;
        return _destination.WriteAsync(data, cancellationToken);
    }

    /// <exception cref="FileRestoreException">Fewer bytes than the entry's size were written.</exception>
    public async ValueTask EndEntryAsync(CancellationToken cancellationToken)
    {
        if (_remaining != 0)
            throw new FileRestoreException($"'{_current?.DisplayName}' gave {_current!.Size - _remaining} bytes where its size is {_current.Size}; it changed while it was read.", "path");
        if (_padding > 0)
        {
            Array.Clear(_block);
            await _destination.WriteAsync(_block.AsMemory(0, (int)_padding), cancellationToken);
            _padding = 0;
        }
    }

    /// <summary>The end marker: two zero blocks.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        Array.Clear(_block);
        await _destination.WriteAsync(_block, cancellationToken);
        await _destination.WriteAsync(_block, cancellationToken);
    }

    private async ValueTask WriteLongNameAsync(byte type, byte[] name, CancellationToken cancellationToken)
    {
        var withNul = name.Length + 1;
        Fill(LongLinkName, type, withNul, null);
        await _destination.WriteAsync(_block, cancellationToken);
        await _destination.WriteAsync(name, cancellationToken);
        Array.Clear(_block);
        await _destination.WriteAsync(_block.AsMemory(0, TarHeader.BlockSize - (name.Length % TarHeader.BlockSize)), cancellationToken);
    }

    private void Fill(ReadOnlySpan<byte> name, byte type, long size, TarEntry? entry)
    {
        var header = _block.AsSpan();
        header.Clear();
        name[..Math.Min(name.Length, TarHeader.NameLength)].CopyTo(header);
        TarNumber.Write(header.Slice(TarHeader.Mode, 8), entry?.Mode & 0xFFF ?? 0);
        TarNumber.Write(header.Slice(TarHeader.Uid, 8), entry?.Uid ?? 0);
        TarNumber.Write(header.Slice(TarHeader.Gid, 8), entry?.Gid ?? 0);
        TarNumber.Write(header.Slice(TarHeader.Size, 12), size);
        TarNumber.Write(header.Slice(TarHeader.ModifiedAt, 12), entry?.ModifiedAt ?? 0);
        header[TarHeader.TypeFlag] = type;
        if (entry?.LinkName is { } link)
            link.AsSpan(0, Math.Min(link.Length, TarHeader.NameLength)).CopyTo(header.Slice(TarHeader.LinkName, TarHeader.NameLength));
        TarHeader.GnuMagic.CopyTo(header[TarHeader.Magic..]);
        Owner(entry?.UserName, header.Slice(TarHeader.UserName, TarHeader.NameFieldLength));
        Owner(entry?.GroupName, header.Slice(TarHeader.GroupName, TarHeader.NameFieldLength));
        if (entry?.Kind is TarEntryKind.CharDevice or TarEntryKind.BlockDevice)
        {
            TarNumber.Write(header.Slice(TarHeader.DeviceMajor, 8), entry.DeviceMajor);
            TarNumber.Write(header.Slice(TarHeader.DeviceMinor, 8), entry.DeviceMinor);
        }

        // The checksum field: six octal digits, NUL, space (as GNU tar writes it).
        TarNumber.Write(header.Slice(TarHeader.Checksum, 7), TarHeader.Sum(header, signed: false));
        header[TarHeader.Checksum + 7] = (byte)' ';
    }

    private static void Owner(string? name, Span<byte> field)
    {
        if (name is null || name.Length >= field.Length || !Ascii.IsValid(name))
            return;
        Encoding.ASCII.GetBytes(name, field);
    }

    private static byte TypeFlag(TarEntryKind kind) => kind switch
    {
        TarEntryKind.File => (byte)'0',
        TarEntryKind.HardLink => (byte)'1',
        TarEntryKind.Symlink => (byte)'2',
        TarEntryKind.CharDevice => (byte)'3',
        TarEntryKind.BlockDevice => (byte)'4',
        TarEntryKind.Directory => (byte)'5',
        _ => (byte)'6',
    };
}
