using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat restore-points delete|protect|unprotect ID`: through the server, in whichever registered repository holds it.</summary>
internal static class RestorePointCommands
{
    public static Command CreateDelete()
    {
        var id = IdArgument();
        var command = new Command("delete", "Delete a restore point and free what nothing else references; refused while it is protected or in use.") { id };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var server = new ServerClient();
            var deleted = await new RestorePointsClient(server).DeleteAsync(parse.GetValue(id)!, ct);
            if (console.Json)
                console.WriteJson(deleted, ContractsJsonContext.Default.RestorePointDeletedView);
            else
                console.Line($"Deleted restore point [bold]{Markup.Escape(deleted.Id)}[/] of VM {Markup.Escape(deleted.Vm)}; " +
                    $"{deleted.PacksDeleted} pack(s) deleted, {deleted.PacksRewritten} rewritten, {Sizes.Format(deleted.BytesFreed)} freed.");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateSetProtected(bool protect)
    {
        var id = IdArgument();
        var command = new Command(protect ? "protect" : "unprotect", protect
            ? "Protect a restore point: retention keeps it (without counting it toward --keep-last) and it cannot be deleted."
            : "Unprotect a restore point: retention and `restore-points delete` may remove it again.") { id };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var server = new ServerClient();
            var point = await new RestorePointsClient(server).SetProtectedAsync(parse.GetValue(id)!, protect, ct);
            if (console.Json)
                console.WriteJson(point, ContractsJsonContext.Default.RestorePointView);
            else if (protect)
                console.Line($"Restore point [bold]{Markup.Escape(point.Id)}[/] of VM {Markup.Escape(point.Vm)} is protected: retention keeps it and it cannot be deleted.");
            else
                console.Line($"Restore point [bold]{Markup.Escape(point.Id)}[/] of VM {Markup.Escape(point.Vm)} is no longer protected.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "The restore point's id, as `lifeboat restore-points` lists it." };
}
