using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Storage;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat datastores` and `lifeboat datastore add NAME PATH | remove NAME`: the places an admin declares that
/// recoveries (--redirect-writes-to) and migrations (--to) may write into.
/// </summary>
internal static class DatastoreCommands
{
    public static Command CreateList()
    {
        var command = new Command("datastores", "List the places recoveries and migrations may write into: the server's cache folder and the declared datastores.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var datastores = await client.ListDatastoresAsync(ct);
            if (console.Json)
            {
                console.WriteJson(datastores, ContractsJsonContext.Default.ListDatastoreView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Datastore", CliTable.Kind.Key, keep: 9).Column("Folder", keep: 8).Column("Added", CliTable.Kind.Key, keep: 5);
            foreach (var datastore in datastores)
                table.Row(Markup.Escape(datastore.Name), Markup.Escape(datastore.Path), datastore.BuiltIn ? "built in" : JobText.Time(datastore.AddedAt));
            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Create()
    {
        var datastore = new Command("datastore", "Declare or remove a place recoveries and migrations may write into (admin).");
        datastore.Subcommands.Add(CreateAdd());
        datastore.Subcommands.Add(CreateRemove());
        return datastore;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("NAME") { Description = "The datastore's name: a letter, then letters, digits, '.', '_' or '-'." };
        var path = new Argument<string>("PATH") { Description = "An existing folder; what is written inside it gets the mode Lifeboat gives (0600 files, 0700 folders)." };
        var command = new Command("add", "Declare an existing folder a datastore: --redirect-writes-to and --to may then name folders inside it.") { name, path };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var added = await client.AddDatastoreAsync(new AddDatastoreRequest(parse.GetValue(name)!, Path.GetFullPath(parse.GetValue(path)!)), ct);
            if (console.Json)
                console.WriteJson(added, ContractsJsonContext.Default.DatastoreView);
            else
                console.Line($"Datastore [bold]{Markup.Escape(added.Name)}[/] is {Markup.Escape(added.Path)}: recoveries and migrations may write inside it.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The datastore, as `lifeboat datastores` lists it." };
        var command = new Command("remove", "Remove a declared datastore; what was written there stays.") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var datastoreName = parse.GetValue(name)!;
            using var client = new ServerClient();
            await client.RemoveDatastoreAsync(datastoreName, ct);
            if (console.Json)
                console.WriteJson(new DatastoreRemovedJson(datastoreName), ServerApiJsonContext.Default.DatastoreRemovedJson);
            else
                console.Line($"Removed datastore [bold]{Markup.Escape(datastoreName)}[/]; what was written there stays.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
