namespace Lifeboat.Server.Tests.Support;

/// <summary>
/// Where a test's server listens. With <see cref="Https"/> the client trusts the certificate whose fingerprint is
/// <see cref="TrustedFingerprint"/>, or by default the one the server generated into its data folder.
/// </summary>
public sealed record ServerAddress(string Host, bool Https = false, string? TrustedFingerprint = null)
{
    public static ServerAddress Loopback { get; } = new("127.0.0.1");

    public string Scheme => Https ? "https" : "http";
}
