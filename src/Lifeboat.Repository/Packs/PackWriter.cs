using System.Buffers;
using Lifeboat.Repository.Chunks;
using Lifeboat.Repository.Crypto;
using Lifeboat.Repository.Storage;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Repository.Packs;

/// <summary>
/// Appends chunk records to a new pack file. <see cref="Complete"/> makes the pack durable (data, then its folder
/// entry) and only then writes its index into `tmp/`; a pack without an index is an orphan that readers ignore.
/// </summary>
internal sealed class PackWriter : IDisposable
{
    /// <summary>Packs close at about this size: large enough for few files, small enough to repack cheaply.</summary>
    public const long TargetLength = 32L * 1024 * 1024;

    private const int BufferLength = 1024 * 1024;

    private readonly RepositoryLayout _layout;
    private readonly AuthenticatedCipher? _cipher;
    private readonly bool _createdDirectory;
    private readonly long _targetLength;
    private readonly List<PackIndexEntry> _entries = [];
    private SafeFileHandle? _handle;
    private byte[] _buffer;
    private int _buffered;
    private long _flushed;

    private PackWriter(RepositoryLayout layout, AuthenticatedCipher? cipher, string packId, SafeFileHandle handle, bool createdDirectory, long targetLength)
    {
        _targetLength = targetLength;
        _layout = layout;
        _cipher = cipher;
        PackId = packId;
        _handle = handle;
        _createdDirectory = createdDirectory;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferLength);
    }

    public string PackId { get; }

    public long Length => _flushed + _buffered;

    public int Count => _entries.Count;

    public bool IsFull => Length >= _targetLength || _entries.Count >= PackIndexFile.MaxEntries;

    public static PackWriter Create(RepositoryLayout layout, AuthenticatedCipher? cipher, long targetLength = TargetLength)
    {
        string packId = Storage.PackId.New();
        string directory = layout.PackDirectory(packId);
        bool created = !Directory.Exists(directory);
        if (created)
        {
            Directory.CreateDirectory(directory);
        }

        var handle = File.OpenHandle(layout.PackPath(packId), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        return new PackWriter(layout, cipher, packId, handle, created, targetLength);
    }

    public void Append(ChunkRecordHeader header, ReadOnlySpan<byte> record) =>
        Append(new PackIndexEntry(header.Id, 0, header.StoredLength, header.RawLength, header.Codec), record);

    /// <summary>Appends a record described by <paramref name="entry"/> (its offset is replaced by the new one).</summary>
    public void Append(PackIndexEntry entry, ReadOnlySpan<byte> record)
    {
        ObjectDisposedException.ThrowIf(_handle is null, this);
        if (record.Length != entry.RecordLength)
        {
            throw new ArgumentException("The record length does not match its entry.", nameof(record));
        }

        _entries.Add(entry with { Offset = Length });
        if (_buffered + record.Length > _buffer.Length)
        {
            FlushBuffer();
        }

        if (record.Length > _buffer.Length)
        {
            RandomAccess.Write(_handle, record, _flushed);
            DurableFile.StartWriteback(_handle, _flushed, record.Length);
            _flushed += record.Length;
            return;
        }

        record.CopyTo(_buffer.AsSpan(_buffered));
        _buffered += record.Length;
    }

    /// <summary>Makes the pack durable and stages its index in `tmp/` (durable too).</summary>
    public StagedPack Complete()
    {
        ObjectDisposedException.ThrowIf(_handle is null, this);
        FlushBuffer();
        DurableFile.FlushToDisk(_handle);
        _handle.Dispose();
        _handle = null;
        DurableFile.SyncDirectory(_layout.PackDirectory(PackId));
        if (_createdDirectory)
        {
            DurableFile.SyncDirectory(_layout.PacksDirectory);
        }

        DurableFile.WriteNew(_layout.StagedIndexPath(PackId), PackIndexFile.Encode(PackId, _entries, _cipher));
        return new StagedPack(PackId, _entries, _flushed);
    }

    /// <summary>Closes and deletes an unfinished pack (and its staged index, if any).</summary>
    public void Abort()
    {
        _handle?.Dispose();
        _handle = null;
        DurableFile.TryDelete(_layout.PackPath(PackId));
        DurableFile.TryDelete(_layout.StagedIndexPath(PackId));
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void FlushBuffer()
    {
        if (_buffered == 0)
        {
            return;
        }

        RandomAccess.Write(_handle!, _buffer.AsSpan(0, _buffered), _flushed);
        DurableFile.StartWriteback(_handle!, _flushed, _buffered);
        _flushed += _buffered;
        _buffered = 0;
    }
}
