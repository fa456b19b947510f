using System.CommandLine;
using Lifeboat.Cli.Output;

namespace Lifeboat.Cli.Commands;

internal static class RetentionCommand
{
    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var vm = new Option<string>("--vm") { Description = "The VM whose older restore points to remove.", Required = true };
        var keepLast = new Option<int>("--keep-last") { Description = "How many of the newest unprotected restore points to keep (at least 1).", Required = true };
        var command = new Command("retention", "Remove older restore points and free the chunks nothing references any more; protected ones are kept and do not count toward --keep-last.")
        {
            repo, vm, keepLast,
        };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            var keep = parse.GetValue(keepLast);
            if (keep < 1)
                throw new CliException("--keep-last must be at least 1; to remove every restore point of a VM, keep 1 and delete that one with `lifeboat restore-points delete ID` (through the server).");
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!);
            var result = await repository.ApplyRetentionAsync(parse.GetValue(vm)!, keep, cancellationToken);
            if (console.Json)
            {
                console.WriteJson(new RetentionJson(result.RemovedRestorePoints, result.PacksDeleted, result.PacksRewritten, result.BytesFreed),
                    CliJsonContext.Default.RetentionJson);
            }
            else
            {
                console.Line($"Removed {result.RemovedRestorePoints.Count} restore point(s); " +
                    $"{result.PacksDeleted} pack(s) deleted, {result.PacksRewritten} rewritten, {Sizes.Format(result.BytesFreed)} freed.");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
