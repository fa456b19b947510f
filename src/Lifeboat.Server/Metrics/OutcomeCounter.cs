using System.Diagnostics.Metrics;

namespace Lifeboat.Server.Metrics;

/// <summary>
/// How often each outcome of <typeparamref name="TOutcome"/> happened in this process, as one observable counter
/// tagged <c>outcome</c>: every outcome is exported from the start, at zero until it happens, so a rate over a
/// rare outcome (a failed backup) is defined before the first one.
/// </summary>
internal sealed class OutcomeCounter<TOutcome>
    where TOutcome : struct, Enum
{
    public const string OutcomeTag = "outcome";

    private readonly TOutcome[] _outcomes;
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly long[] _counts;

    public OutcomeCounter(Meter meter, string name, string unit, string description, params TOutcome[] outcomes)
    {
        _outcomes = outcomes;
        _tags = [.. outcomes.Select(o => new KeyValuePair<string, object?>(OutcomeTag, o.ToString().ToLowerInvariant()))];
        _counts = new long[outcomes.Length];
        meter.CreateObservableCounter(name, Observe, unit, description);
    }

    public void Add(TOutcome outcome)
    {
        var index = Array.IndexOf(_outcomes, outcome);
        if (index >= 0)
            Interlocked.Increment(ref _counts[index]);
    }

    public long Count(TOutcome outcome)
    {
        var index = Array.IndexOf(_outcomes, outcome);
        return index < 0 ? 0 : Volatile.Read(ref _counts[index]);
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        var measurements = new Measurement<long>[_outcomes.Length];
        for (var i = 0; i < measurements.Length; i++)
            measurements[i] = new Measurement<long>(Volatile.Read(ref _counts[i]), _tags[i]);
        return measurements;
    }
}
