using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.FileRestore;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat files VM[@RP] [FS:/PATH]`: a restore point's guest file systems, or a folder of one (every page), read by a
/// file-restore session of the server; `files get` and `files find` beside it.
/// </summary>
internal static class FilesCommand
{
    private const int PageSize = 5000;

    public static Option<string> SessionOption() => new("--session")
    {
        HelpName = "ID",
        Description = "Work in this open file-restore session (left open) instead of opening one and closing it when done.",
    };

    public static Argument<string> TargetArgument() => new("VM[@RESTORE_POINT]") { Description = "The VM, and a restore point id (or its start) or latest (the default)." };

    public static Command Create()
    {
        var target = TargetArgument();
        var path = new Argument<string?>("FS:/PATH")
        {
            Arity = ArgumentArity.ZeroOrOne,
            Description = "A folder (or file) of a file system, e.g. sda1:/etc; names with odd bytes as \\xNN, \\n, \\\\. Without it, the file systems are listed.",
        };
        var session = SessionOption();
        var command = new Command("files", "Browse a restore point's files: its file systems (sda1, vg0/root…), or a folder's entries.") { target, path, session };
        command.Subcommands.Add(FilesGetCommand.Create());
        command.Subcommands.Add(FilesFindCommand.Create());
        command.Subcommands.Add(FilesRestoreCommand.Create());
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            await using var files = await FilesSession.OpenAsync(parse.GetValue(target)!, parse.GetValue(session), ct);
            if (parse.GetValue(path) is { } folder)
                await ListFolderAsync(files, folder, console, ct);
            else
                await ListFileSystemsAsync(files, console, ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One entry as a line: type and mode as ls shows them, owner, size, mtime, name and a link's target.</summary>
    public static string Line(GuestEntryView e, string name) => string.Create(CultureInfo.InvariantCulture,
        $"{Mode(e)} {e.Uid + ":" + e.Gid,-11} {e.Size,13} {e.ModifiedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} {name}{(e.LinkTarget is null ? "" : " -> " + e.LinkTarget)}");

    private static async Task ListFileSystemsAsync(FilesSession files, CliConsole console, CancellationToken ct)
    {
        var fileSystems = await files.Client.FileSystemsAsync(files.Id, ct);
        if (console.Json)
        {
            console.WriteJson(fileSystems, ContractsJsonContext.Default.ListGuestFileSystemView);
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("File system", "Type", "Label", "Size", "Browsable");
        foreach (var f in fileSystems)
            table.AddRow(Markup.Escape(f.Name), Markup.Escape(f.Type), Markup.Escape(f.Label ?? "-"), Sizes.Format(f.Size), f.Problem is null ? "yes" : $"[yellow]no: {Markup.Escape(f.Problem)}[/]");
        console.Write(table);
        console.Line($"Restore point {Markup.Escape(files.View.RestorePoint)} of {Markup.Escape(files.View.Vm)}; list a folder with `lifeboat files {Markup.Escape(files.View.Vm)}@{Markup.Escape(files.View.RestorePoint)} FS:/PATH`.");
    }

    /// <summary>Every page of the folder, written as it comes (a folder may hold 100,000 entries); a file is shown alone.</summary>
    private static async Task ListFolderAsync(FilesSession files, string path, CliConsole console, CancellationToken ct)
    {
        var entry = await files.Client.StatAsync(files.Id, path, ct);
        using var output = Console.OpenStandardOutput();
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        if (console.Json)
            json.WriteStartArray();
        if (entry.Type != "directory")
        {
            Write(entry, entry.Path);
        }
        else
        {
            for (var offset = 0; ;)
            {
                var page = await files.Client.TreeAsync(files.Id, entry.Path, offset, PageSize, ct);
                foreach (var e in page.Entries)
                    Write(e, e.Name);
                offset += page.Entries.Count;
                if (page.Entries.Count == 0 || offset >= page.Total)
                    break;
            }
        }

        if (console.Json)
        {
            json.WriteEndArray();
            await json.FlushAsync(ct);
            await output.WriteAsync("\n"u8.ToArray(), ct);
        }

        void Write(GuestEntryView e, string name)
        {
            if (console.Json)
            {
                JsonSerializer.Serialize(json, e, ContractsJsonContext.Default.GuestEntryView);
                if (json.BytesPending > 64 * 1024)
                    json.Flush();
            }
            else
            {
                Console.Out.WriteLine(Line(e, name));
            }
        }
    }

    private static string Mode(GuestEntryView e)
    {
        var type = e.Type switch
        {
            "directory" => 'd',
            "symlink" => 'l',
            "chardevice" => 'c',
            "blockdevice" => 'b',
            "fifo" => 'p',
            "socket" => 's',
            "file" => '-',
            _ => '?',
        };
        Span<char> text = stackalloc char[10];
        text[0] = type;
        const string Letters = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
            text[i + 1] = (e.Mode & (1 << (8 - i))) != 0 ? Letters[i] : '-';
        if ((e.Mode & 0x800) != 0)
            text[3] = text[3] == 'x' ? 's' : 'S';
        if ((e.Mode & 0x400) != 0)
            text[6] = text[6] == 'x' ? 's' : 'S';
        if ((e.Mode & 0x200) != 0)
            text[9] = text[9] == 'x' ? 't' : 'T';
        return new string(text);
    }
}
