using System.CommandLine;
using Lifeboat.FileRestore;
using Lifeboat.FileRestore.Archives;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat files get VM@RP FS:/PATH… --to DIR | --archive FILE`. With --to the files are extracted on this side by the
/// archives' extractor, which reads them from the server (a file's bytes, a folder's tar) and writes nothing outside DIR
/// whatever the guest's names and links say; with --archive the server packs them and the CLI saves the stream.
/// </summary>
internal static class FilesGetCommand
{
    public static Command Create()
    {
        var target = FilesCommand.TargetArgument();
        var paths = new Argument<string[]>("FS:/PATH") { Arity = ArgumentArity.OneOrMore, Description = "Files and folders to get, e.g. sda1:/etc/hosts sda1:/home." };
        var to = new Option<string?>("--to") { HelpName = "DIR", Description = "Extract into this folder (created when missing), modes and mtimes kept, owners too when run as root." };
        var archive = new Option<string?>("--archive") { HelpName = "FILE", Description = "Save as one archive instead; the format follows the name: .tar.zst, .zip or .tar." };
        var overwrite = new Option<bool>("--overwrite") { Description = "With --to: replace files that exist already (otherwise such a path fails, naming the file)." };
        var session = FilesCommand.SessionOption();
        var command = new Command("get", "Copy files and folders out of a restore point, into a folder or an archive.") { target, paths, to, archive, overwrite, session };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var (directory, file) = (parse.GetValue(to), parse.GetValue(archive));
            if ((directory is null) == (file is null))
                throw new CliException("Give either --to DIR (extract into a folder) or --archive FILE (.tar.zst, .zip or .tar).");
            var selected = parse.GetValue(paths)!.Select(GuestPath.Parse).ToList();
            var format = file is null ? (ArchiveFormat?)null : FormatOf(file);
            await using var files = await FilesSession.OpenAsync(parse.GetValue(target)!, parse.GetValue(session), ct);
            return directory is not null
                ? await ExtractAsync(files, selected, directory, parse.GetValue(overwrite), console, ct)
                : await SaveArchiveAsync(files, selected, file!, format!.Value, console, ct);
        });
        return command;
    }

    private static async Task<int> ExtractAsync(FilesSession files, List<GuestPath> paths, string directory, bool overwrite, CliConsole console, CancellationToken ct)
    {
        var progress = new FilesProgress($"Extracting into {directory}");
        var report = await SelectionExtractor.ExtractAsync(new RemoteGuestFileSource(files), paths, directory, new ExtractionOptions(overwrite), progress, ct);
        progress.Finish();
        var results = report.Paths.Select(p => new FilesGetPathJson(p.Path.ToString(), p.Name, p.Entries, p.Bytes, p.SkippedCount, p.Error)).ToList();
        if (console.Json)
        {
            console.WriteJson(new FilesGetJson(Path.GetFullPath(directory), null, results.Sum(r => r.Bytes), results, report.OwnersKept, report.Note),
                ServerApiJsonContext.Default.FilesGetJson);
        }
        else
        {
            foreach (var p in report.Paths)
            {
                var skipped = p.SkippedCount == 0 ? "" : $"; {p.SkippedCount} skipped ({string.Join(", ", p.Skipped.Take(3).Select(s => $"{s.Name}: {s.Reason}"))})";
                console.Line(p.Error is null
                    ? $"{Markup.Escape(p.Path.ToString())} -> {Markup.Escape(p.Name)}: {p.Entries} entries, {Sizes.Format(p.Bytes)}{Markup.Escape(skipped)}"
                    : $"[red]{Markup.Escape(p.Path.ToString())}: {Markup.Escape(p.Error)}[/]");
            }

            if (report.Note is not null)
                console.Line(Markup.Escape(report.Note));
        }

        if (report.Succeeded)
            return ExitCodes.Ok;
        foreach (var failed in report.Paths.Where(p => p.Error is not null))
            Console.Error.WriteLine($"lifeboat: {failed.Path}: {failed.Error}");
        return ExitCodes.Failed;
    }

    /// <summary>Saves the server's archive under a temporary name beside <paramref name="file"/>, renamed once whole.</summary>
    private static async Task<int> SaveArchiveAsync(FilesSession files, List<GuestPath> paths, string file, ArchiveFormat format, CliConsole console, CancellationToken ct)
    {
        var full = Path.GetFullPath(file);
        var partial = full + ".partial";
        var progress = new FilesProgress($"Saving {Path.GetFileName(full)}");
        using var response = await files.Client.DownloadAsync(files.Id, [.. paths.Select(p => p.ToString())], FormatName(format), ct);
        try
        {
            await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                try
                {
                    await using var body = await response.Content.ReadAsStreamAsync(ct);
                    var buffer = new byte[256 * 1024];
                    int read;
                    while ((read = await body.ReadAsync(buffer, ct)) > 0)
                    {
                        await output.WriteAsync(buffer.AsMemory(0, read), ct);
                        progress.Add(read);
                    }
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    var why = await files.Client.DownloadErrorAsync(files.Id, response);
                    throw new CliException($"The download broke off after {Sizes.Format(progress.Done)}: {why ?? e.Message}; nothing was saved.");
                }
            }

            File.Move(partial, full, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        progress.Finish();
        if (console.Json)
        {
            console.WriteJson(new FilesGetJson(null, full, progress.Done, [.. paths.Select(p => new FilesGetPathJson(p.ToString(), null, 0, 0, 0, null))], null, null),
                ServerApiJsonContext.Default.FilesGetJson);
        }
        else
        {
            console.Line($"Saved {Markup.Escape(full)} ({Sizes.Format(progress.Done)}).");
        }

        return ExitCodes.Ok;
    }

    private static ArchiveFormat FormatOf(string file) =>
        file.EndsWith(".tar.zst", StringComparison.OrdinalIgnoreCase) ? ArchiveFormat.TarZst
        : file.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? ArchiveFormat.Zip
        : file.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? ArchiveFormat.Tar
        : throw new CliException($"--archive '{file}' does not end in .tar.zst, .zip or .tar, which say its format; rename it.");

    private static string FormatName(ArchiveFormat format) => format switch
    {
        ArchiveFormat.TarZst => "tar.zst",
        ArchiveFormat.Zip => "zip",
        _ => "tar",
    };
}
