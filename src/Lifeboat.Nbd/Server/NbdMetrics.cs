using System.Diagnostics;
using System.Diagnostics.Metrics;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// The <c>Lifeboat.Nbd</c> meter: requests the server ran and how long each took, by command, and the bytes READ and
/// WRITE moved. <see cref="NbdConnection"/> records each request once, when its reply is ready.
/// </summary>
internal static class NbdMetrics
{
    public const string CommandTag = "command";

    public static readonly Meter Meter = new("Lifeboat.Nbd");

    private static readonly Counter<long> Operations = Meter.CreateCounter<long>("lifeboat.nbd.operations", "{operation}", "NBD requests answered, by command.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("lifeboat.nbd.operation.duration", "s", "Time from reading an NBD request to its reply being ready, by command.");

    private static readonly Counter<long> BytesRead = Meter.CreateCounter<long>("lifeboat.nbd.read", "By", "Bytes NBD READ replies carried.");

    private static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("lifeboat.nbd.write", "By", "Bytes NBD WRITE requests stored.");

    // By command number, as the protocol document names them (NBD_CMD_WRITE_ZEROES: WRITE_ZEROES); made once, so a measurement builds no tag.
    private static readonly KeyValuePair<string, object?>[] Commands =
        [.. new[] { "READ", "WRITE", "DISC", "FLUSH", "TRIM", "CACHE", "WRITE_ZEROES", "BLOCK_STATUS" }.Select(name => new KeyValuePair<string, object?>(CommandTag, name))];

    private static readonly KeyValuePair<string, object?> Unknown = new(CommandTag, "unknown");

    /// <summary>Counts one request of <paramref name="command"/> read at <paramref name="receivedAt"/> (a <see cref="Stopwatch"/> timestamp) that moved <paramref name="bytes"/> of data.</summary>
    public static void Record(NbdCommand command, long receivedAt, long bytes)
    {
        var tag = (uint)command < (uint)Commands.Length ? Commands[(int)command] : Unknown;
        Operations.Add(1, tag);
        if (Duration.Enabled)
            Duration.Record(Stopwatch.GetElapsedTime(receivedAt).TotalSeconds, tag);
        if (bytes > 0)
        {
            if (command == NbdCommand.Read)
                BytesRead.Add(bytes);
            else if (command == NbdCommand.Write)
                BytesWritten.Add(bytes);
        }
    }
}
