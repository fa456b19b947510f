using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.FileRestore;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat files restore VM@RP FS:/PATH… --to-vm NAME [--host H] [--guest-path DIR] [--overwrite|--keep-both]`: the
/// server writes the files into a running VM through its QEMU guest agent and says per file what it did. Exit 0 when
/// every file was written (or kept beside the guest's), 1 when any was skipped or failed.
/// </summary>
internal static class FilesRestoreCommand
{
    public static Command Create()
    {
        var target = FilesCommand.TargetArgument();
        var paths = new Argument<string[]>("FS:/PATH") { Arity = ArgumentArity.OneOrMore, Description = "Files and folders to put back, e.g. sda2:/etc/hosts sda2:/home/ann (a folder brings everything under it)." };
        var toVm = new Option<string>("--to-vm")
        {
            Required = true,
            HelpName = "NAME",
            Description = "The running VM to write into: on the local host the VM of a live recovery session (its name or the session id), on a libvirt host any running domain.",
        };
        var host = new Option<string?>("--host") { Description = "The host the VM runs on, as `lifeboat hosts` lists it (default: local)." };
        var guestPath = new Option<string?>("--guest-path")
        {
            HelpName = "DIR",
            Description = "Put them into this guest folder, each under its own name (made when missing); by default each goes back to its own path counted from its file system's root.",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace files the guest has (by default they are left as they are and ours skipped)." };
        var keepBoth = new Option<bool>("--keep-both")
        {
            Description = "Keep the guest's file and write ours beside it as NAME.restored-RP (RP: the restore point id's first 8 characters; then -2, -3…).",
        };
        var session = FilesCommand.SessionOption();
        var command = new Command("restore", "Put files and folders of a restore point back into a running VM through its guest agent, owners and modes kept where the agent allows.")
        {
            target, paths, toVm, host, guestPath, overwrite, keepBoth, session,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            if (parse.GetValue(overwrite) && parse.GetValue(keepBoth))
                throw new CliException("--overwrite and --keep-both exclude each other; give one, or neither to leave the guest's files as they are.");
            var conflict = parse.GetValue(overwrite) ? "overwrite" : parse.GetValue(keepBoth) ? "keepBoth" : "skip";
            await using var files = await FilesSession.OpenAsync(parse.GetValue(target)!, parse.GetValue(session), ct);
            var request = new RestoreToVmRequest(parse.GetValue(paths)!, parse.GetValue(toVm)!, parse.GetValue(host), parse.GetValue(guestPath), conflict);
            if (!Console.IsErrorRedirected)
                Console.Error.WriteLine($"Writing into VM {request.Vm} through its guest agent…");
            var result = await files.Client.Server.PostAsync(
                $"api/file-restores/{Uri.EscapeDataString(files.Id)}/restore-to-vm", request,
                ContractsJsonContext.Default.RestoreToVmRequest, ContractsJsonContext.Default.RestoreToVmResult, ct);
            if (console.Json)
            {
                console.WriteJson(result, ContractsJsonContext.Default.RestoreToVmResult);
                return result.AllWritten ? ExitCodes.Ok : ExitCodes.Failed;
            }

            foreach (var file in result.Files)
            {
                var colour = file.Outcome switch { RestoredFileView.Failed => "red", RestoredFileView.Skipped => "yellow", _ => "green" };
                var size = file.Type == "file" && file.Outcome is RestoredFileView.Written or RestoredFileView.KeptBoth ? $" ({Sizes.Format(file.Bytes)})" : "";
                console.Line($"[{colour}]{file.Outcome,-8}[/] {Markup.Escape(file.Source)} -> {Markup.Escape(file.Target ?? "-")}{size}{(file.Detail is { } detail ? ": " + Markup.Escape(detail) : "")}");
            }

            var written = result.Files.Count(f => f.Outcome is RestoredFileView.Written or RestoredFileView.KeptBoth);
            console.Line($"{written} of {result.Files.Count} written into VM {Markup.Escape(result.Vm)} on host {Markup.Escape(result.Host)} from restore point {Markup.Escape(result.RestorePoint)} ({Markup.Escape(result.Agent)}).");
            return result.AllWritten ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
