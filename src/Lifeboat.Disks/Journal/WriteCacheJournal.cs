using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Disks.Journal;

/// <summary>
/// The append-only journal that makes the write cache's cluster map durable: a header, then 32-byte records.
/// A <see cref="JournalRecordType.MapClusters"/> record is appended only after the data it maps is durable, so it
/// never points at data a crash lost; a <see cref="JournalRecordType.MapClustersWritten"/> record, appended before
/// that, is trusted only in the boot that wrote it. A crash during an append leaves a torn tail, which replay
/// ignores and the next compaction removes.
/// </summary>
internal sealed class WriteCacheJournal : IDisposable
{
    private const int ReadChunk = 64 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly Lock _appendLock = new();
    private long _length;
    private uint _nextSequence;

    private WriteCacheJournal(string path, SafeFileHandle handle, JournalHeader header, long length, uint nextSequence)
    {
        Path = path;
        _handle = handle;
        Header = header;
        _length = length;
        _nextSequence = nextSequence;
    }

    public string Path { get; }

    public JournalHeader Header { get; }

    public long RecordCount => _nextSequence;

    /// <summary>True when a failed append could not be undone: the journal must not be appended to again.</summary>
    public bool IsDamaged { get; private set; }

    /// <summary>
    /// Writes a journal holding <paramref name="records"/> under a temporary name, makes it durable and renames it
    /// over <paramref name="path"/>: an existing journal is replaced atomically.
    /// </summary>
    public static WriteCacheJournal Create(string path, JournalHeader header, IEnumerable<JournalRecord> records)
    {
        string temp = path + ".tmp";
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
        uint sequence = 0;
        try
        {
            using (var handle = OwnerOnly.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                header.Write(buffer);
                int filled = JournalHeader.Size;
                long position = 0;
                foreach (var record in records)
                {
                    if (filled + JournalRecord.Size > buffer.Length)
                    {
                        RandomAccess.Write(handle, buffer.AsSpan(0, filled), position);
                        position += filled;
                        filled = 0;
                    }

                    record.Write(buffer.AsSpan(filled), sequence++);
                    filled += JournalRecord.Size;
                }

                RandomAccess.Write(handle, buffer.AsSpan(0, filled), position);
                RandomAccess.FlushToDisk(handle);
            }

            File.Move(temp, path, overwrite: true);
            Lifeboat.Repository.Storage.DurableFile.SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var appendHandle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        return new WriteCacheJournal(path, appendHandle, header, JournalHeader.Size + ((long)sequence * JournalRecord.Size), sequence);
    }

    /// <summary>
    /// Opens a journal and hands every valid record, in order, to <paramref name="apply"/>. Reading stops at the first
    /// record that is torn or was never completely written; the bytes after it are reported, not used.
    /// </summary>
    public static WriteCacheJournal Open(string path, Action<JournalHeader> onHeader, Action<JournalRecord> apply, out JournalReplay replay)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            int read = ReadFully(handle, buffer.AsSpan(0, JournalHeader.Size), 0);
            if (!JournalHeader.TryRead(buffer.AsSpan(0, read), out var header, out string? error))
                throw new InvalidDataException($"The write-cache journal '{path}' is unusable: {error}.");
            onHeader(header);

            long position = JournalHeader.Size;
            uint sequence = 0;
            bool torn = false;
            while (!torn && position < fileLength)
            {
                int chunk = (int)Math.Min(ReadChunk, fileLength - position);
                int got = ReadFully(handle, buffer.AsSpan(0, chunk), position);
                int offset = 0;
                while (offset + JournalRecord.Size <= got)
                {
                    if (sequence == uint.MaxValue || !JournalRecord.TryRead(buffer.AsSpan(offset, JournalRecord.Size), sequence, out var record))
                    {
                        torn = true;
                        break;
                    }

                    apply(record);
                    sequence++;
                    offset += JournalRecord.Size;
                }

                position += offset;
                if (offset < got && !torn)
                    torn = true; // a partial record at the very end of the file
            }

            replay = new JournalReplay(sequence, fileLength - position);
            return new WriteCacheJournal(path, handle, header, position, sequence);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Appends records and makes them durable. On failure the journal is cut back to what it held before.</summary>
    public void Append(ReadOnlySpan<JournalRecord> records) => Append(records, durable: true);

    /// <summary>
    /// Appends records without making them durable: they reach the kernel's page cache, which outlives this process
    /// but not the machine. On failure the journal is cut back to what it held before.
    /// </summary>
    public void AppendWithoutSync(ReadOnlySpan<JournalRecord> records) => Append(records, durable: false);

    private void Append(ReadOnlySpan<JournalRecord> records, bool durable)
    {
        if (records.IsEmpty)
            return;
        int bytes = records.Length * JournalRecord.Size;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            // Writes append their records while a commit appends its own: each record's sequence is its position.
            lock (_appendLock)
            {
                if (IsDamaged)
                    throw new IOException($"The write-cache journal '{Path}' could not be repaired after a failed write; stop the VM and republish the disk.");
                if ((ulong)_nextSequence + (ulong)records.Length >= uint.MaxValue)
                    throw new IOException($"The write-cache journal '{Path}' is full; republish the disk to compact it.");
                for (int i = 0; i < records.Length; i++)
                    records[i].Write(buffer.AsSpan(i * JournalRecord.Size), _nextSequence + (uint)i);
                try
                {
                    RandomAccess.Write(_handle, buffer.AsSpan(0, bytes), _length);
                    if (durable)
                        RandomAccess.FlushToDisk(_handle);
                }
                catch
                {
                    // Records of a failed append must not be found by a later replay: cut them off again.
                    try
                    {
                        RandomAccess.SetLength(_handle, _length);
                    }
                    catch (IOException)
                    {
                        IsDamaged = true;
                    }

                    throw;
                }

                _length += bytes;
                _nextSequence += (uint)records.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _handle.Dispose();

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0)
                break;
            total += n;
        }

        return total;
    }
}
