using System.Diagnostics;
using System.Globalization;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Quickstart;

/// <summary>Times each step of the story, shows it as it starts and ends, and prints the table of every step at the end.</summary>
internal sealed class StepLog(CliConsole console)
{
    private readonly List<QuickstartStep> _steps = [];
    private string _act = "";

    public IReadOnlyList<QuickstartStep> Steps => _steps;

    public CliConsole Console => console;

    /// <summary>Starts a part of the story: its steps are grouped under <paramref name="title"/>.</summary>
    public void Act(string title, string why)
    {
        _act = title;
        console.Line("");
        console.Line($"[bold underline]{Markup.Escape(title)}[/]");
        console.Line($"[grey]{Markup.Escape(why)}[/]");
    }

    public async Task<T> RunAsync<T>(string step, Func<Task<T>> work, Func<T, string> describe)
    {
        console.Line($"[grey]…[/] {Markup.Escape(step)}");
        var clock = Stopwatch.StartNew();
        T result;
        try
        {
            result = await work();
        }
        catch (Exception e)
        {
            var failed = clock.Elapsed.TotalSeconds;
            _steps.Add(new QuickstartStep(_act, step, Math.Round(failed, 3), false, e is OperationCanceledException ? "cancelled" : e.Message));
            console.Line($"[red]✗[/] {Markup.Escape(step)} [grey]({Format(failed)} s)[/]");
            throw;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var text = describe(result);
        _steps.Add(new QuickstartStep(_act, step, Math.Round(seconds, 3), true, text));
        console.Line($"[green]✓[/] {Markup.Escape(step)} [grey]({Format(seconds)} s)[/]: {Markup.Escape(text)}");
        return result;
    }

    public Task<string> RunAsync(string step, Func<Task<string>> work) => RunAsync(step, work, r => r);

    /// <summary>A line inside the running step, e.g. what the guest prints on its console.</summary>
    public void Detail(string markup) => console.Line("    " + markup);

    public void PrintTable()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Step", "Seconds", "Result");
        table.Columns[1].RightAligned();
        string? act = null;
        foreach (var s in _steps)
        {
            if (s.Act != act)
            {
                act = s.Act;
                table.AddRow($"[bold]{Markup.Escape(act)}[/]", $"[bold]{Format(_steps.Where(x => x.Act == act).Sum(x => x.Seconds))}[/]", "");
            }

            var mark = s.Ok ? "" : "[red]✗ [/]";
            table.AddRow("  " + mark + Markup.Escape(s.Step), Format(s.Seconds), Markup.Escape(s.Result));
        }

        table.AddRow("[bold]total[/]", $"[bold]{Format(_steps.Sum(s => s.Seconds))}[/]", "");
        console.Write(table);
    }

    private static string Format(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);
}
