namespace Lifeboat.Disks;

/// <summary>Where a run of a published disk's clusters is read from.</summary>
internal enum RunSource
{
    WriteCache,
    Hydrated,
    Base,
    Zeros,
}
