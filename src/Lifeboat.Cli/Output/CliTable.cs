using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>
/// A table for people that never breaks an id, a date or a number across lines: those columns do not wrap, and when the
/// terminal is too narrow for them the least important columns are left out (said under the table) before any text
/// column gets narrower than <see cref="MinimumTextWidth"/>. The width is the terminal's, or COLUMNS when set.
/// </summary>
internal sealed class CliTable
{
    private const int MinimumTextWidth = 10;
    private readonly List<ColumnSpec> _columns = [];
    private readonly List<string[]> _rows = [];

    /// <summary>How a column's cells may be laid out.</summary>
    public enum Kind
    {
        /// <summary>Free text: may wrap.</summary>
        Text,

        /// <summary>An id, a name or a date: never wraps.</summary>
        Key,

        /// <summary>A figure: right-aligned, never wraps.</summary>
        Number,
    }

    /// <param name="keep">Higher is kept longer when the terminal is narrow; the first column is always kept.</param>
    public CliTable Column(string header, Kind kind = Kind.Text, int keep = 0)
    {
        _columns.Add(new ColumnSpec(header, kind, keep));
        return this;
    }

    /// <summary>Adds a row of markup cells, one per column.</summary>
    public CliTable Row(params string[] cells)
    {
        if (cells.Length != _columns.Count)
            throw new ArgumentException($"The row has {cells.Length} cells for {_columns.Count} columns.", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public void WriteTo(CliConsole console)
    {
        var shown = Fit(Width());
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var index in shown)
        {
            var column = _columns[index];
            var tableColumn = new TableColumn(column.Header);
            if (column.Kind != Kind.Text)
                tableColumn.NoWrap();
            if (column.Kind == Kind.Number)
                tableColumn.RightAligned();
            table.AddColumn(tableColumn);
        }

        foreach (var row in _rows)
            table.AddRow([.. shown.Select(i => row[i])]);
        console.Write(table);
        if (shown.Count < _columns.Count)
        {
            var left = string.Join(", ", Enumerable.Range(0, _columns.Count).Where(i => !shown.Contains(i)).Select(i => _columns[i].Header));
            console.Line($"[grey]Not shown at {Width()} columns: {Markup.Escape(left)} (--json has all).[/]");
        }
    }

    /// <summary>The columns to show, in order: all of them when they fit, else without the least kept ones.</summary>
    private List<int> Fit(int width)
    {
        var natural = Enumerable.Range(0, _columns.Count).Select(NaturalWidth).ToArray();
        var shown = Enumerable.Range(0, _columns.Count).ToList();
        int Needed() => 1 + shown.Sum(i => 3 + (_columns[i].Kind == Kind.Text ? Math.Min(natural[i], MinimumTextWidth) : natural[i]));
        while (Needed() > width && shown.Count > 1)
        {
            var drop = shown.Skip(1).OrderBy(i => _columns[i].Keep).ThenByDescending(i => i).First();
            shown.Remove(drop);
        }

        return shown;
    }

    private int NaturalWidth(int index) =>
        Math.Max(_columns[index].Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => Markup.Remove(r[index]).Split('\n').Max(line => line.Length)));

    private static int Width()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 20)
            return columns;
        return AnsiConsole.Profile.Width;
    }

    private sealed record ColumnSpec(string Header, Kind Kind, int Keep);
}
