using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Compression;
using ZstdSharp;

namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// Inflates compressed qcow2 clusters: raw deflate (no zlib header) or one zstd frame. The stored bytes may be
/// followed by the start of the next compressed cluster, so decoding stops once a whole cluster came out.
/// </summary>
internal sealed class Qcow2ClusterDecompressor : IDisposable
{
    private readonly Qcow2CompressionType _type;
    private readonly string _path;
    private readonly int _maxPooled = Environment.ProcessorCount * 2;
    private readonly ConcurrentBag<Decompressor> _zstdPool = [];

    public Qcow2ClusterDecompressor(Qcow2CompressionType type, string path)
    {
        _type = type;
        _path = path;
    }

    /// <summary>Fills <paramref name="cluster"/> (exactly one cluster) from the stored bytes, or throws naming the image.</summary>
    public void Decompress(byte[] stored, int storedLength, Span<byte> cluster, long hostOffset)
    {
        bool complete;
        try
        {
            complete = _type == Qcow2CompressionType.Zstd
                ? DecompressZstd(stored.AsSpan(0, storedLength), cluster)
                : DecompressDeflate(stored, storedLength, cluster);
        }
        catch (Exception ex) when (ex is InvalidDataException or ZstdException)
        {
            throw DiskSourceException.Corrupt(_path, $"the compressed cluster at host offset {hostOffset} cannot be decompressed: {ex.Message.TrimEnd('.')}");
        }

        if (!complete)
            throw DiskSourceException.Corrupt(_path, $"the compressed cluster at host offset {hostOffset} decompresses to less than a cluster");
    }

    public void Dispose()
    {
        while (_zstdPool.TryTake(out var decompressor))
            decompressor.Dispose();
    }

    private static bool DecompressDeflate(byte[] stored, int storedLength, Span<byte> cluster)
    {
        using var input = new MemoryStream(stored, 0, storedLength, writable: false);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        return inflater.ReadAtLeast(cluster, cluster.Length, throwOnEndOfStream: false) == cluster.Length;
    }

    private bool DecompressZstd(ReadOnlySpan<byte> stored, Span<byte> cluster)
    {
        if (!_zstdPool.TryTake(out var decompressor))
            decompressor = new Decompressor();
        try
        {
            // A full output buffer ends the call before the decoder reaches whatever follows the frame.
            var status = decompressor.UnwrapStream(stored, cluster, out _, out int written);
            if (written < cluster.Length && status == OperationStatus.InvalidData)
                throw new InvalidDataException("it is not a valid zstd frame");
            return written == cluster.Length;
        }
        finally
        {
            decompressor.ResetStream();
            if (_zstdPool.Count < _maxPooled)
                _zstdPool.Add(decompressor);
            else
                decompressor.Dispose();
        }
    }
}
