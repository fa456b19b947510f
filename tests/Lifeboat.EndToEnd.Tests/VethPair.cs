using System.Net;
using System.Security.Cryptography;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// A veth pair joining this namespace (or another <see cref="NetworkNamespace"/>) to a <see cref="NetworkNamespace"/>,
/// on a random /29 of 198.18.0.0/15 (the benchmarking range, so no real network is shadowed): <see cref="ThisSide"/> here, <see cref="Inside"/> and
/// <see cref="OtherInside"/> there, the first the source of what the namespace sends unless
/// <see cref="SendFromAsync"/> says otherwise. Disposing deletes the pair (and so both ends' addresses).
/// </summary>
internal sealed class VethPair : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly string[] _thisSide;

    private VethPair(NetworkNamespace network, NetworkNamespace? thisSide, string name, string insideName, IPAddress network29)
    {
        Network = network;
        _thisSide = thisSide is null ? [] : ["-n", thisSide.Name];
        Name = name;
        InsideName = insideName;
        var bytes = network29.GetAddressBytes();
        ThisSide = At(bytes, 1);
        Inside = At(bytes, 2);
        OtherInside = At(bytes, 3);
    }

    public NetworkNamespace Network { get; }

    public string Name { get; }

    public string InsideName { get; }

    public IPAddress ThisSide { get; }

    public IPAddress Inside { get; }

    public IPAddress OtherInside { get; }

    /// <param name="thisSide">The namespace of <see cref="ThisSide"/>; null for the test's own.</param>
    public static async Task<VethPair> CreateAsync(NetworkNamespace network, NetworkNamespace? thisSide = null)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        // 2^15 /29 networks in 198.18.0.0/15: tests running side by side pick different ones.
        var block = RandomNumberGenerator.GetInt32(1, 1 << 14) * 8;
        var base29 = new IPAddress([198, (byte)(18 + (block >> 16)), (byte)(block >> 8), (byte)block]);
        var pair = new VethPair(network, thisSide, "lbv" + suffix, "lbi" + suffix, base29);
        try
        {
            await RunAsync("ip", [.. pair._thisSide, "link", "add", pair.Name, "type", "veth", "peer", "name", pair.InsideName, "netns", network.Name]);
            await RunAsync("ip", [.. pair._thisSide, "addr", "add", $"{pair.ThisSide}/29", "dev", pair.Name]);
            await RunAsync("ip", [.. pair._thisSide, "link", "set", pair.Name, "up"]);
            await RunAsync("ip", "-n", network.Name, "addr", "add", $"{pair.Inside}/29", "dev", pair.InsideName);
            await RunAsync("ip", "-n", network.Name, "addr", "add", $"{pair.OtherInside}/29", "dev", pair.InsideName);
            await RunAsync("ip", "-n", network.Name, "link", "set", pair.InsideName, "up");
            // Addresses are tentative until duplicate detection ends; IPv4 has none, so the pair is usable at once.
        }
        catch
        {
            pair.Dispose();
            throw;
        }

        return pair;
    }

    /// <summary>Makes the namespace reach <see cref="ThisSide"/> from <paramref name="source"/> (one of its addresses).</summary>
    public Task SendFromAsync(IPAddress source) =>
        RunAsync("ip", "-n", Network.Name, "route", "replace", $"{ThisSide}/32", "dev", InsideName, "src", source.ToString());

    public void Dispose()
    {
        // Deleting one end deletes the other; a pair already gone with its namespace is fine.
        Tools.RunAsync(Tools.StartInfo("ip", [.. _thisSide, "link", "delete", Name]), CommandTimeout).GetAwaiter().GetResult();
    }

    private static IPAddress At(byte[] network, int host) => new([network[0], network[1], network[2], (byte)(network[3] + host)]);

    private static async Task RunAsync(string fileName, params string[] arguments) =>
        (await Tools.RunAsync(Tools.StartInfo(fileName, arguments), CommandTimeout)).ShouldSucceed();
}
