using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Dashboard;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat status`: the dashboard's figures in a few lines and small tables. Its exit code is for cron and monitoring:
/// 0 when healthy, <see cref="ExitCodes.NeedsAttention"/> (4) when a job run failed in the last 24 hours, a VM is
/// overdue, or a repository is nearly full or cannot be read; 1 when the server cannot be asked.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status",
            "Show backup health: job results of the last 24 hours and 7 days, overdue VMs, repositories' space, what runs now, the newest failures. "
            + "Exit code 0 when healthy, 4 when a job failed in the last 24 hours, a VM is overdue or a repository is nearly full (for cron and monitoring).");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var view = await client.GetAsync("api/dashboard", ContractsJsonContext.Default.DashboardView, ct);
            if (console.Json)
                console.WriteJson(view, ContractsJsonContext.Default.DashboardView);
            else
                StatusText.Write(console, view);
            return view.Healthy ? ExitCodes.Ok : ExitCodes.NeedsAttention;
        });
        return command;
    }
}
