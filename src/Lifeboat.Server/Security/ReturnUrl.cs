namespace Lifeboat.Server.Security;

/// <summary>
/// Where /login sends a browser after signing in: a path on this server only. Browsers drop tabs and line breaks from a
/// URL (<c>/\t/evil.example</c> becomes <c>//evil.example</c>, another host) and read <c>\</c> as <c>/</c>, so only
/// printable ASCII passes, and neither <c>//</c> nor <c>/\</c> may start it, as written or percent-decoded; anything else
/// lands on <c>/</c>. Printable ASCII is also all a Location header may carry.
/// </summary>
public static class ReturnUrl
{
    public const string Home = "/";

    public static string LocalOrHome(string? url) => IsLocal(url) ? url! : Home;

    public static bool IsLocal(string? url)
    {
        if (url is not { Length: > 0 } || url[0] != '/' || !IsPrintableAscii(url))
            return false;
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(url);
        }
        catch (UriFormatException)
        {
            return false;
        }

        return IsPrintableAscii(decoded) && StartsAsPath(url) && StartsAsPath(decoded);
    }

    private static bool StartsAsPath(string url) => url.Length == 1 || (url[1] != '/' && url[1] != '\\');

    private static bool IsPrintableAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is < ' ' or > '~')
                return false;
        }

        return true;
    }
}
