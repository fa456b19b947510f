using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat job add|edit|enable|disable|run|history|remove`: the server's backup jobs, one at a time.</summary>
internal static class JobCommand
{
    public static Command Create()
    {
        var job = new Command("job", "Add, change, enable, disable, run, look at and remove the server's backup jobs.");
        job.Subcommands.Add(JobAddCommand.Create());
        job.Subcommands.Add(JobEditCommand.Create());
        job.Subcommands.Add(JobEditCommand.CreateSetEnabled(enabled: true));
        job.Subcommands.Add(JobEditCommand.CreateSetEnabled(enabled: false));
        job.Subcommands.Add(JobRunCommand.Create());
        job.Subcommands.Add(JobHistoryCommand.Create());
        job.Subcommands.Add(CreateRemove());
        return job;
    }

    public static Argument<string> NameArgument() => new("NAME") { Description = "The job, as `lifeboat jobs` lists it." };

    private static Command CreateRemove()
    {
        var name = NameArgument();
        var command = new Command("remove", "Remove a job and its history; the restore points it made stay in the repository.") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var jobName = parse.GetValue(name)!;
            using var client = new ServerClient();
            await client.RemoveJobAsync(jobName, ct);
            if (console.Json)
                console.WriteJson(new JobRemovedJson(jobName), ServerApiJsonContext.Default.JobRemovedJson);
            else
                console.Line($"Removed job [bold]{Markup.Escape(jobName)}[/]; its restore points stay in the repository.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
