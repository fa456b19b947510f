namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>The mode, owner and times SETATTR changes of a client-created object; null leaves one as it is.</summary>
internal readonly record struct LocalAttributeChange(uint? Mode, uint? Uid, uint? Gid, LocalTimeChange Atime, LocalTimeChange Mtime)
{
    public bool IsEmpty => Mode is null && Uid is null && Gid is null && !Atime.IsSet && !Mtime.IsSet;
}
