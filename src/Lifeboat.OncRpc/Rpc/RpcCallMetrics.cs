using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lifeboat.OncRpc.Rpc;

/// <summary>
/// The calls a program answered and how long each took, by procedure: <c>lifeboat.PROTOCOL.operations</c> and
/// <c>lifeboat.PROTOCOL.operation.duration</c> (seconds) on the program's <see cref="Meter"/>. The server records every
/// reply once, where it completes it (TCP and UDP alike), so no procedure measures itself.
/// </summary>
public sealed class RpcCallMetrics
{
    public const string ProcedureTag = "procedure";

    private readonly Counter<long> _operations;
    private readonly Histogram<double> _duration;
    private readonly KeyValuePair<string, object?>[] _procedures;
    private readonly KeyValuePair<string, object?> _unknown = new(ProcedureTag, "unknown");

    /// <param name="meter">The meter of the room that owns the program.</param>
    /// <param name="protocol">Lower-case protocol name in the instruments' names, e.g. <c>nfs</c>.</param>
    /// <param name="procedureNames">Names by procedure number (RFC spelling, e.g. READ); other numbers are tagged <c>unknown</c>.</param>
    public RpcCallMetrics(Meter meter, string protocol, IReadOnlyList<string> procedureNames)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        ArgumentNullException.ThrowIfNull(procedureNames);
        var upper = protocol.ToUpperInvariant();
        _operations = meter.CreateCounter<long>($"lifeboat.{protocol}.operations", "{operation}", $"{upper} calls answered, by procedure.");
        _duration = meter.CreateHistogram<double>($"lifeboat.{protocol}.operation.duration", "s", $"Time from reading a {upper} call to its reply being ready, by procedure.");
        // Made once: a measurement then copies a tag, it never builds one.
        _procedures = [.. procedureNames.Select(name => new KeyValuePair<string, object?>(ProcedureTag, string.Intern(name)))];
    }

    /// <summary>Names each procedure after its member of <typeparamref name="TProcedure"/> in upper case (GetAttr: GETATTR), as the RFCs spell them.</summary>
    public static RpcCallMetrics For<TProcedure>(Meter meter, string protocol)
        where TProcedure : struct, Enum
    {
        var values = Enum.GetValues<TProcedure>();
        var names = new string[values.Max(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)) + 1];
        foreach (var value in values)
            names[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = value.ToString().ToUpperInvariant();
        for (var i = 0; i < names.Length; i++)
            names[i] ??= "unknown";
        return new RpcCallMetrics(meter, protocol, names);
    }

    /// <summary>Counts one answered call of <paramref name="procedure"/> received at <paramref name="receivedAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Record(uint procedure, long receivedAt)
    {
        var tag = procedure < (uint)_procedures.Length ? _procedures[procedure] : _unknown;
        _operations.Add(1, tag);
        if (_duration.Enabled)
            _duration.Record(Stopwatch.GetElapsedTime(receivedAt).TotalSeconds, tag);
    }
}
