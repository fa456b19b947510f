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
                console.WriteJson(sessions, ContractsJsonContext.Default.ListSessionView);
                return ExitCodes.Ok;
            }

            if (sessions.Count == 0)
            {
                console.Line("No sessions yet; start one with `lifeboat instant-recover --vm NAME`.");
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Session", CliTable.Kind.Key, keep: 9).Column("VM", CliTable.Kind.Key, keep: 8).Column("Restore point", CliTable.Kind.Key, keep: 4)
                .Column("State", CliTable.Kind.Key, keep: 7).Column("Phase", keep: 3).Column("Recovery", CliTable.Kind.Number, keep: 1)
                .Column("VM running", CliTable.Kind.Key, keep: 2).Column("Started", CliTable.Kind.Key, keep: 5);
            foreach (var s in sessions)
            {
                table.Row(
                    s.Id,
                    Markup.Escape(s.DiskRecovery is { } d ? $"{s.Vm} disk {d.Disk} → {d.TargetVm}" : s.Vm),
                    Markup.Escape(s.RestorePointId ?? "-"),
                    StateMarkup(s.State),
                    Markup.Escape(SessionFollower.PhaseTitle(s.Phase)),
                    s.RecoverySeconds is null ? "-" : SessionFollower.Seconds(s.RecoverySeconds),
                    s.VmRunning ? "yes" : "no",
                    CliTime.Format(s.CreatedAt));
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static string StateMarkup(SessionState state) => state switch
    {
        SessionState.Ready or SessionState.Finalized => $"[green]{state}[/]",
        SessionState.Failed => $"[red]{state}[/]",
        SessionState.Starting or SessionState.Migrating or SessionState.Stopping => $"[yellow]{state}[/]",
        _ => state.ToString(),
    };
}
