namespace Lifeboat.Disks.Tests;

/// <summary>
/// A real image that counts the reads reaching it and, when given a byte range, fails reads over it the way a
/// restore point fails on a corrupt chunk.
/// </summary>
internal sealed class InstrumentedBaseDisk(FileBaseDisk inner, long badStart = 0, long badEnd = 0) : IBaseDisk
{
    private long _reads;
    private long _bytesRead;

    public long Length => inner.Length;

    public long Reads => Interlocked.Read(ref _reads);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        Interlocked.Increment(ref _reads);
        Interlocked.Add(ref _bytesRead, buffer.Length);
        if (offset < badEnd && offset + buffer.Length > badStart)
            return ValueTask.FromException<int>(new InvalidDataException($"Chunk 0123abcd of disk 0 at offset {badStart} is corrupt; run `lifeboat verify`."));
        return inner.ReadAsync(offset, buffer, ct);
    }

    public void Dispose() => inner.Dispose();
}
