namespace Lifeboat.Nfs.Mount;

public static class MountConstants
{
    public const uint Program = 100005;
    public const uint Version = 3;

    /// <summary>MNTPATHLEN: the longest dirpath.</summary>
    public const int MaxPathLength = 1024;

    /// <summary>MNTNAMLEN: the longest host or group name.</summary>
    public const int MaxNameLength = 255;
}
