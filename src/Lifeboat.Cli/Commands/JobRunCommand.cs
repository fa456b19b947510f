using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Jobs;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat job run NAME [--detach]`: runs a job now and, unless detached, waits for its outcome.</summary>
internal static class JobRunCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static Command Create()
    {
        var name = JobCommand.NameArgument();
        var detach = new Option<bool>("--detach", "-d") { Description = "Start the run and return; follow it with `lifeboat job history NAME`." };
        var command = new Command("run", "Run a job now and print how the run ended; a failed run is tried again later, as often as the job's --retries says.") { name, detach };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var jobName = parse.GetValue(name)!;
            using var client = new ServerClient();
            var run = await client.RunJobAsync(jobName, ct);
            if (!parse.GetValue(detach))
                run = await WaitAsync(client, console, run, ct);
            if (console.Json)
                console.WriteJson(run, ContractsJsonContext.Default.JobRunView);
            else if (run.IsFinal)
                console.Line($"Job [bold]{Markup.Escape(jobName)}[/] run {run.Id} {JobText.Summary(run)}");
            else
                console.Line($"Job [bold]{Markup.Escape(jobName)}[/] run {run.Id} started; follow it with `lifeboat job history {Markup.Escape(jobName)}`.");
            return run.Outcome is JobRunOutcome.Succeeded or JobRunOutcome.Running ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task<JobRunView> WaitAsync(ServerClient client, CliConsole console, JobRunView run, CancellationToken ct)
    {
        async Task<JobRunView> PollAsync(Action<string>? status)
        {
            var current = run;
            while (!current.IsFinal)
            {
                status?.Invoke($"Backing up {current.Job} (run {current.Id}, {(DateTimeOffset.UtcNow - current.StartedAt).TotalSeconds:0.0} s)");
                await Task.Delay(PollInterval, ct);
                current = await client.GetJobRunAsync(current.Job, current.Id, ct);
            }

            return current;
        }

        if (!console.ShowsProgress)
            return await PollAsync(null);
        JobRunView? last = null;
        await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("Starting…", async context =>
        {
            last = await PollAsync(text => context.Status(Markup.Escape(text)));
        });
        return last!;
    }
}
