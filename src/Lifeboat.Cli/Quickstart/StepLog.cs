using System.Diagnostics;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Quickstart;

/// <summary>Times each step of the story, shows it as it ends, and prints the table at the end.</summary>
internal sealed class StepLog(CliConsole console)
{
    private readonly List<QuickstartStepJson> _steps = [];

    public IReadOnlyList<QuickstartStepJson> Steps => _steps;

    public async Task<T> RunAsync<T>(string step, Func<Task<T>> work, Func<T, string> describe)
    {
        console.Line($"[grey]…[/] {Markup.Escape(step)}");
        var clock = Stopwatch.StartNew();
        var result = await work();
        var seconds = clock.Elapsed.TotalSeconds;
        var text = describe(result);
        _steps.Add(new QuickstartStepJson(step, Math.Round(seconds, 3), text));
        console.Line($"[green]✓[/] {Markup.Escape(step)} [grey]({seconds:0.00} s)[/]: {Markup.Escape(text)}");
        return result;
    }

    public Task<string> RunAsync(string step, Func<Task<string>> work) => RunAsync(step, work, r => r);

    public void PrintTable()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Step", "Seconds", "Result");
        foreach (var s in _steps)
            table.AddRow(Markup.Escape(s.Step), s.Seconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(s.Result));
        table.AddRow("[bold]total[/]", $"[bold]{_steps.Sum(s => s.Seconds):0.00}[/]", "");
        console.Write(table);
    }
}
