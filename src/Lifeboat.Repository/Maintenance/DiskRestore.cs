using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Storage;
using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Repository.Maintenance;

/// <summary>
/// Restores one disk into a file already sized and sparse: a decoder thread per core decodes batches of about 1 MiB
/// ahead into a bounded window of buffers while the calling thread writes them in disk order, each run of data blocks
/// in one write, so the file is written front to back by one writer (no contention on the file's lock) and its data
/// is on disk soon after. Zero blocks, and damaged ones when the options allow, stay holes.
/// </summary>
internal sealed class DiskRestore
{
    private const int BatchBytes = 1024 * 1024;
    private const int SlotsPerDecoder = 4;
    private const long WritebackBytes = 32L * 1024 * 1024;

    private readonly RestorePointDisk _disk;
    private readonly ManifestDisk _header;
    private readonly SafeFileHandle _handle;
    private readonly RestoreOptions _options;
    private readonly RestoreCounters _counters;
    private readonly List<BadRange> _badRanges;
    private readonly int _blockSize;
    private readonly int _batchBlocks;
    private readonly long _batches;
    private readonly RestoreSlot[] _slots;
    private readonly object _gate = new();
    private long _nextToDecode;
    private long _nextToWrite;
    private Exception? _failure;
    private bool _stopped;
    private long _writebackFrom;

    public DiskRestore(RestorePointDisk disk, ManifestDisk header, SafeFileHandle handle, RestoreOptions options, RestoreCounters counters, List<BadRange> badRanges, int decoders)
    {
        _disk = disk;
        _header = header;
        _handle = handle;
        _options = options;
        _counters = counters;
        _badRanges = badRanges;
        Decoders = Math.Max(1, decoders);
        _blockSize = disk.BlockSize;
        _batchBlocks = Math.Max(1, BatchBytes / _blockSize);
        _batches = (disk.BlockCount + _batchBlocks - 1) / _batchBlocks;
        _slots = new RestoreSlot[(int)Math.Min(_batches, (long)Decoders * SlotsPerDecoder)];
        for (int i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new RestoreSlot(_batchBlocks, _blockSize);
        }
    }

    public int Decoders { get; }

    /// <summary>Writes the whole disk; throws the first damage in disk order (unless the options allow it) or any other failure.</summary>
    public void Run(CancellationToken cancellationToken)
    {
        if (_batches == 0)
        {
            return;
        }

        using var wake = cancellationToken.Register(() => Stop(null));
        var threads = new Thread[Math.Min(Decoders, _slots.Length)];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(DecodeLoop) { IsBackground = true, Name = "Lifeboat restore decoder" };
            threads[i].Start();
        }

        try
        {
            for (long batch = 0; batch < _batches; batch++)
            {
                var slot = WaitUntilDecoded(batch, cancellationToken);
                WriteBatch(batch, slot);
                lock (_gate)
                {
                    slot.Ready = false;
                    Array.Clear(slot.Damage);
                    _nextToWrite = batch + 1;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        finally
        {
            Stop(null);
            foreach (var thread in threads)
            {
                thread.Join();
            }
        }
    }

    private RestoreSlot WaitUntilDecoded(long batch, CancellationToken cancellationToken)
    {
        var slot = _slots[batch % _slots.Length];
        lock (_gate)
        {
            while (!slot.Ready && _failure is null && !cancellationToken.IsCancellationRequested)
            {
                Monitor.Wait(_gate);
            }

            if (_failure is { } failure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return slot;
    }

    /// <summary>Ends the decoders' loops, keeping the first failure for the writer to throw.</summary>
    private void Stop(Exception? failure)
    {
        lock (_gate)
        {
            _failure ??= failure;
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void DecodeLoop()
    {
        while (true)
        {
            long batch;
            lock (_gate)
            {
                // A decoder runs at most the window ahead of the writer: the slot it takes was written and freed.
                while (!_stopped && _nextToDecode < _batches && _nextToDecode - _nextToWrite >= _slots.Length)
                {
                    Monitor.Wait(_gate);
                }

                if (_stopped || _nextToDecode >= _batches)
                {
                    return;
                }

                batch = _nextToDecode++;
            }

            var slot = _slots[batch % _slots.Length];
            try
            {
                DecodeBatch(batch, slot);
            }
            catch (Exception ex)
            {
                Stop(ex);
                return;
            }

            lock (_gate)
            {
                slot.Ready = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void DecodeBatch(long batch, RestoreSlot slot)
    {
        long first = batch * _batchBlocks;
        int count = (int)Math.Min(_batchBlocks, _disk.BlockCount - first);
        for (int i = 0; i < count; i++)
        {
            if (_disk.IsZeroBlock(first + i))
            {
                continue;
            }

            try
            {
                _disk.DecodeBlock(first + i, slot.Buffer.AsSpan(i * _blockSize, _blockSize));
            }
            catch (CorruptChunkException ex)
            {
                slot.Damage[i] = ex;
            }
        }
    }

    private void WriteBatch(long batch, RestoreSlot slot)
    {
        long first = batch * _batchBlocks;
        int count = (int)Math.Min(_batchBlocks, _disk.BlockCount - first);
        int runStart = -1;
        long runBytes = 0;
        for (int i = 0; i < count; i++)
        {
            long offset = (first + i) * _blockSize;
            int length = (int)Math.Min(_blockSize, _header.Size - offset);
            bool data = !_disk.IsZeroBlock(first + i);
            if (data && slot.Damage[i] is { } damage)
            {
                if (!_options.ContinueOnError)
                {
                    throw new RepositoryException(
                        $"Cannot restore disk {_header.Index} ('{_header.Name}'): it is damaged at offset {damage.DiskOffset} (chunk {damage.ChunkId} {damage.Reason}); verify the repository, or restore again zero-filling the damaged blocks.",
                        RepositoryRemedy.ContinueOnError,
                        damage);
                }

                // The file was created sparse at full length, so skipping the write leaves zeros.
                _badRanges.Add(new BadRange(_header.Index, offset, length, damage.ChunkId, damage.Reason));
                data = false;
            }

            if (data)
            {
                runStart = runStart < 0 ? i : runStart;
                runBytes += length;
            }
            else if (runStart >= 0)
            {
                WriteRun(slot, first, runStart, runBytes);
                runStart = -1;
                runBytes = 0;
            }

            _counters.AddDone(length);
        }

        if (runStart >= 0)
        {
            WriteRun(slot, first, runStart, runBytes);
        }

        long end = Math.Min((first + count) * _blockSize, _header.Size);
        if (end - _writebackFrom >= WritebackBytes)
        {
            DurableFile.StartWriteback(_handle, _writebackFrom, end - _writebackFrom);
            _writebackFrom = end;
        }
    }

    private void WriteRun(RestoreSlot slot, long firstBlock, int runStart, long runBytes)
    {
        RandomAccess.Write(_handle, slot.Buffer.AsSpan(runStart * _blockSize, (int)runBytes), (firstBlock + runStart) * _blockSize);
        _counters.AddWritten(runBytes);
    }
}
