namespace Lifeboat.Nfs.Nfs3;

/// <summary>Program number, version and the sizes RFC 1813 fixes, plus the caps this server puts on unbounded strings.</summary>
public static class Nfs3Constants
{
    public const uint Program = 100003;
    public const uint Version = 3;

    /// <summary>NFS3_FHSIZE: the largest file handle.</summary>
    public const int FhSize = 64;

    /// <summary>The longest name of one directory entry this server creates or looks up (NAME_MAX).</summary>
    public const int MaxNameLength = 255;

    /// <summary>
    /// filename3 has no bound in the XDR; a longer name than this is malformed (GARBAGE_ARGS), while one between
    /// <see cref="MaxNameLength"/> and this gets NFS3ERR_NAMETOOLONG as a client expects.
    /// </summary>
    public const int MaxNameWireLength = 1024;

    /// <summary>The longest symbolic link target accepted or returned (PATH_MAX).</summary>
    public const int MaxPathLength = 4096;
}
