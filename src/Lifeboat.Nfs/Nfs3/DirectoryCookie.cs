namespace Lifeboat.Nfs.Nfs3;

/// <summary>
/// cookie3 values for directory entries. A cookie is a hash of the entry's name, and entries are listed in cookie
/// order, so a listing continues at the right place however entries were added or removed in between, and across a
/// server restart; "." and ".." come first with cookies 1 and 2 (0 means "from the start").
/// </summary>
public static class DirectoryCookie
{
    public const ulong Start = 0;
    public const ulong Dot = 1;
    public const ulong DotDot = 2;

    public static ulong Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        switch (name)
        {
            case ".":
                return Dot;
            case "..":
                return DotDot;
        }

        var cookie = Datastore.StableHash.Of(name) >> 1;
        return cookie <= DotDot ? cookie + DotDot + 1 : cookie;
    }
}
