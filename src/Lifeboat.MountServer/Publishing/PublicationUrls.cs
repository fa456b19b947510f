using System.Net;

namespace Lifeboat.MountServer.Publishing;

/// <summary>A publication's URLs as its clients use them.</summary>
public static class PublicationUrls
{
    /// <summary><paramref name="url"/> with its host replaced by <paramref name="address"/>, or unchanged when that is null.</summary>
    public static string At(string url, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (address is null)
            return url;
        var builder = new UriBuilder(url) { Host = address.ToString() };
        return builder.Uri.AbsoluteUri;
    }
}
