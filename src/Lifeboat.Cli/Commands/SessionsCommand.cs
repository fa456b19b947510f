using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat sessions`: every instant recovery session the server knows, newest first.</summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var command = new Command("sessions", "List the server's instant recovery sessions, newest first.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var sessions = await client.ListSessionsAsync(ct);
            if (console.Json)
            {
                console.WriteJson(sessions, ServerApiJsonContext.Default.ListSessionDocument);
                return ExitCodes.Ok;
            }

            if (sessions.Count == 0)
            {
                console.Line("No sessions yet; start one with `lifeboat instant-recover --vm NAME`.");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Session", "VM", "Restore point", "State", "Phase", "Recovery", "VM running", "Started");
            foreach (var s in sessions)
            {
                table.AddRow(
                    s.Id,
                    Markup.Escape(s.DiskRecovery is { } d ? $"{s.Vm} disk {d.Disk} → {d.TargetVm}" : s.Vm),
                    Markup.Escape(s.RestorePointId ?? "-"),
                    StateMarkup(s.State),
                    Markup.Escape(SessionFollower.PhaseTitle(s.Phase)),
                    s.RecoverySeconds is null ? "-" : SessionFollower.Seconds(s.RecoverySeconds),
                    s.VmRunning ? "yes" : "no",
                    s.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static string StateMarkup(string state) => state switch
    {
        "Ready" or "Finalized" => $"[green]{state}[/]",
        "Failed" => $"[red]{state}[/]",
        "Starting" or "Migrating" or "Stopping" => $"[yellow]{state}[/]",
        _ => state,
    };
}
