namespace Lifeboat.Repository.DiskImages;

/// <summary>A disk source read from files, which can check that none of them vanished or shrank.</summary>
internal interface IFileBackedDiskSource : IDiskSource
{
    /// <summary>Throws <see cref="DiskSourceException"/> if a file of this disk (or of its backing chain) was deleted, replaced or shrunk.</summary>
    void EnsureUnchanged();
}
