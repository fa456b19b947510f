namespace Lifeboat.Server.WebConsole;

/// <summary>One line of a <c>SvgChart</c>: its name in the legend, its colour, and its points in order.</summary>
public sealed record ChartSeries(string Name, string Colour, IReadOnlyList<ChartPoint> Points);

/// <summary>
/// One point of a chart: <paramref name="Key"/> goes into the circle's data attribute (a run's id, a sample's time),
/// <paramref name="Value"/> is null for a point with no figure (a failed run reads nothing), which sits on the axis;
/// <paramref name="Failed"/> marks it red. <paramref name="Label"/> is its tooltip.
/// </summary>
public sealed record ChartPoint(string Key, DateTimeOffset At, double? Value, bool Failed, string Label);
