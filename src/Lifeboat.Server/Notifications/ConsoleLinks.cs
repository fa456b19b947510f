using Lifeboat.Server.Hosting;

namespace Lifeboat.Server.Notifications;

/// <summary>The console's address as people reach it (the server's --public-url), to link an event to its page; none when not given.</summary>
public sealed class ConsoleLinks(ServerOptions options)
{
    public Uri? PageUrl(string? consolePath)
    {
        if (options.PublicUrl is not { } root || consolePath is null)
            return null;
        var withSlash = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
        return new Uri(withSlash, consolePath.TrimStart('/'));
    }
}
