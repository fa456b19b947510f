namespace Lifeboat.Disks.BaseReads;

/// <summary>Whether the base's own cache is worth filling: not for bytes hydrated, streamed past or about to be written.</summary>
internal enum BaseRead
{
    Cached,
    Once,
}
