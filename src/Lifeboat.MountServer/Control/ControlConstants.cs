namespace Lifeboat.MountServer.Control;

public static class ControlConstants
{
    /// <summary>In RFC 5531's range for user-defined programs (0x20000000-0x3fffffff): "LB".</summary>
    public const uint Program = 0x2000_4C42;
    public const uint Version = 1;
    public const int MaxNameLength = 255;
    public const int MaxPathLength = 4096;
    public const int MaxMessageLength = 4096;
    public const int MaxPublications = 4096;
    public const int MaxUrls = 256;
    public const int MaxUrlLength = 8192;
}
