using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;
using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Cli;

/// <summary>Runs a verb's body with the console chosen by --json, and turns failures into one clear sentence.</summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Func<ParseResult, CliConsole, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = new CliConsole(parseResult.GetValue(GlobalOptions.Json));
            try
            {
                return await body(parseResult, console, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                console.Error("Cancelled; nothing of the interrupted operation was kept.");
                return ExitCodes.Cancelled;
            }
            catch (Exception e) when (e is RepositoryException or DiskSourceException or CliException or Hypervisors.Qemu.QemuException or Hypervisors.Qemu.QmpException or Hypervisors.Libvirt.LibvirtException or FileRestore.FileRestoreException)
            {
                console.Error(e is RepositoryException refused ? RepositoryRemedies.Sentence(refused) : e.Message);
                return ExitCodes.Failed;
            }
            catch (UnauthorizedAccessException e)
            {
                console.Error($"Permission denied: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (IOException e)
            {
                console.Error($"I/O error: {e.Message}");
                return ExitCodes.Failed;
            }
        });
    }
}
