namespace Lifeboat.MountServer.Control;

public static class ControlConstants
{
    /// <summary>In RFC 5531's range for user-defined programs (0x20000000-0x3fffffff): "LB".</summary>
    public const uint Program = 0x2000_4C42;
    /// <summary>The first version: publish takes VM, restore point and redirect; a publication has no read-only flag.</summary>
    public const uint FirstVersion = 1;

    /// <summary>Publish also takes a read-only flag; a publication also carries it and its nbd+unix:// URLs.</summary>
    public const uint ReadOnlyVersion = 2;

    /// <summary>Publish also takes the clients a publication answers alone; a publication also carries them and its served address.</summary>
    public const uint NarrowedVersion = 3;

    public const uint Version = NarrowedVersion;
    public const int MaxNameLength = 255;
    public const int MaxPathLength = 4096;
    public const int MaxMessageLength = 4096;
    public const int MaxPublications = 4096;
    public const int MaxUrls = 256;
    public const int MaxUrlLength = 8192;
    public const int MaxClients = 64;

    /// <summary>The longest text an IP address has (an IPv6 address with an IPv4 tail and a zone is under 64).</summary>
    public const int MaxAddressLength = 64;
}
