namespace Lifeboat.Repository.Reading;

/// <summary>Reads one block's part of a larger read; implemented by the disk whose blocks are decoded.</summary>
internal interface IBlockPartReader
{
    /// <summary>Fills <paramref name="destination"/> with the disk's bytes at <paramref name="offset"/>, all within one block.</summary>
    void ReadBlockPart(long offset, Span<byte> destination, BlockCaching caching);
}
