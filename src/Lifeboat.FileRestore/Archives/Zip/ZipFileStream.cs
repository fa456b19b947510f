using System.IO.Compression;
using System.IO.Hashing;

namespace Lifeboat.FileRestore.Archives.Zip;

/// <summary>A file entry's data on its way into the zip: CRC-32 and size of what is written, deflated into the archive.</summary>
internal sealed class ZipFileStream : Stream
{
    private readonly DeflateStream _deflate;
    private readonly Crc32 _crc = new();

    public ZipFileStream(Stream archive, CompressionLevel level) => _deflate = new DeflateStream(archive, level, leaveOpen: true);

    public long Size { get; private set; }

    public uint Crc => _crc.GetCurrentHashAsUInt32();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Size; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _crc.Append(buffer);
        Size += buffer.Length;
        _deflate.Write(buffer);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _crc.Append(buffer.Span);
        Size += buffer.Length;
        return _deflate.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Ends the deflate stream (its last block goes to the archive).</summary>
    public ValueTask CompleteAsync() => _deflate.DisposeAsync();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
