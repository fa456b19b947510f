using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

internal static class RepoCommand
{
    public static Command Create()
    {
        var repo = new Command("repo", "Create and inspect repository folders (init, info), and manage the server's repositories (list, add, check, unregister).");
        repo.Subcommands.Add(CreateInit());
        repo.Subcommands.Add(CreateInfo());
        repo.Subcommands.Add(ServerRepoCommands.CreateList());
        repo.Subcommands.Add(ServerRepoCommands.CreateAdd());
        repo.Subcommands.Add(ServerRepoCommands.CreateCheck());
        repo.Subcommands.Add(ServerRepoCommands.CreateUnregister());
        return repo;
    }

    private static Command CreateInit()
    {
        var path = new Argument<string>("PATH") { Description = "Folder of the new repository (created if missing, must be empty)." };
        var blockSize = new Option<string?>("--block-size") { Description = "Size of a backed-up block: 16K to 4M (default chosen by benchmark)." };
        var compression = new Option<CompressionCodec?>("--compression") { Description = "zstd, lz4 or none (default chosen by benchmark)." };
        var encrypt = new Option<bool>("--encrypt") { Description = "Encrypt with AES-256-GCM; the password comes from LIFEBOAT_PASSWORD or a prompt." };
        var command = new Command("init", "Create a repository.") { path, blockSize, compression, encrypt };
        CommandRunner.SetAction(command, (parse, console, _) =>
        {
            var target = Path.GetFullPath(parse.GetValue(path)!);
            var defaults = new RepositoryOptions();
            var size = parse.GetValue(blockSize) is { } text ? checked((int)Sizes.Parse(text)) : defaults.BlockSize;
            var options = defaults with { BlockSize = size, Compression = parse.GetValue(compression) ?? defaults.Compression };
            var password = parse.GetValue(encrypt) ? PasswordSource.ForInit(target) : null;
            using var repository = BackupRepository.Init(target, options, password);
            Report(console, repository, "Created");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Command CreateInfo()
    {
        var path = new Argument<string>("PATH") { Description = "The repository folder." };
        var command = new Command("info", "Show a repository's settings.") { path };
        CommandRunner.SetAction(command, (parse, console, _) =>
        {
            var target = Path.GetFullPath(parse.GetValue(path)!);
            using var repository = BackupRepository.Open(target, PasswordSource.ForOpen(target));
            Report(console, repository, "Repository");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static void Report(CliConsole console, BackupRepository repository, string verb)
    {
        var config = repository.Config;
        if (console.Json)
        {
            console.WriteJson(
                new RepositoryJson(repository.Path, config.RepositoryId, config.FormatVersion, config.BlockSize,
                    config.Compression.ToString().ToLowerInvariant(), config.Encrypted),
                CliJsonContext.Default.RepositoryJson);
            return;
        }
        console.Line($"{verb} [bold]{Spectre.Console.Markup.Escape(repository.Path)}[/]: block size {Sizes.Format(config.BlockSize)}, " +
            $"compression {config.Compression.ToString().ToLowerInvariant()}, {(config.Encrypted ? "encrypted (AES-256-GCM)" : "not encrypted")}, format v{config.FormatVersion}.");
    }
}
