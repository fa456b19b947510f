using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat repo add PATH`: registers an existing repository with the server, whose sessions then find its restore points.</summary>
internal static class ServerRepoAddCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("PATH") { Description = "The repository folder." };
        var command = new Command("add", "Register an existing repository with the Lifeboat server.") { path };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var repository = await client.AddRepositoryAsync(Path.GetFullPath(parse.GetValue(path)!), ct);
            if (console.Json)
                console.WriteJson(repository, ServerApiJsonContext.Default.ServerRepositoryDocument);
            else
                console.Line($"Registered [bold]{Markup.Escape(repository.Path)}[/] with the server at {client.BaseAddress}.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
