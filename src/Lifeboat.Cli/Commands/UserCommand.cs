using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Security;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat user add|remove|list|password`: who may sign in to the console (admin only).</summary>
internal static class UserCommand
{
    public static Command Create()
    {
        var user = new Command("user", "Add, remove and list the users who sign in to the web console, and set their passwords (needs an admin token).");
        user.Subcommands.Add(CreateAdd());
        user.Subcommands.Add(CreateRemove());
        user.Subcommands.Add(CreateList());
        user.Subcommands.Add(CreatePassword());
        return user;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("NAME") { Description = "The user name: a letter, then letters, digits, '.', '_' or '-'." };
        var role = RoleOption.Create("user");
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of stdin; without it the server makes one and it is printed once." };
        var command = new Command("add", "Add a user; prints the generated password once unless --password-stdin gives one.") { name, role, passwordStdin };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            string? password = null;
            if (parse.GetValue(passwordStdin))
            {
                password = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r');
                if (string.IsNullOrEmpty(password))
                    throw new CliException("--password-stdin read no password; pipe one in (printf '%s\\n' \"$PASSWORD\" | lifeboat user add …).");
            }

            using var client = new ServerClient();
            var added = await client.AddUserAsync(new AddUserRequest(parse.GetValue(name)!, parse.GetValue(role)!, password), ct);
            if (console.Json)
            {
                console.WriteJson(added, ContractsJsonContext.Default.AddedUserView);
                return ExitCodes.Ok;
            }

            console.Line($"Added user [bold]{Markup.Escape(added.User.Name)}[/] with role {added.User.Role}.");
            if (added.GeneratedPassword is { } generated)
                console.Line($"Password (shown only now): [bold]{Markup.Escape(generated)}[/]");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The user, as `lifeboat user list` shows it." };
        var command = new Command("remove", "Remove a user; the API tokens they created are revoked too.") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var userName = parse.GetValue(name)!;
            using var client = new ServerClient();
            await client.RemoveUserAsync(userName, ct);
            if (console.Json)
                console.WriteJson(new AccountRemovedJson("user", userName), ServerApiJsonContext.Default.AccountRemovedJson);
            else
                console.Line($"Removed user [bold]{Markup.Escape(userName)}[/]; the tokens they created are revoked.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreatePassword()
    {
        var name = new Argument<string>("NAME") { Description = "The user, as `lifeboat user list` shows it." };
        var command = new Command("password",
            "Set a user's password, read from the first line of stdin or asked for on the terminal (never from the command line); their browser sessions end, API tokens stay.")
        {
            name,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var userName = parse.GetValue(name)!;
            var password = await ReadNewPasswordAsync(userName, ct);
            using var client = new ServerClient();
            await client.SetPasswordAsync(userName, new ChangePasswordRequest(password), ct);
            if (console.Json)
                console.WriteJson(new PasswordSetJson(userName), ServerApiJsonContext.Default.PasswordSetJson);
            else
                console.Line($"Set a new password for [bold]{Markup.Escape(userName)}[/]; their browser sessions have ended.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The first line of stdin when it is piped in; else asked twice on the terminal.</summary>
    private static async Task<string> ReadNewPasswordAsync(string user, CancellationToken ct)
    {
        if (Console.IsInputRedirected)
        {
            var line = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r');
            return string.IsNullOrEmpty(line)
                ? throw new CliException($"Read no password from stdin; pipe one in (printf '%s\\n' \"$PASSWORD\" | lifeboat user password {user}) or run on a terminal to be asked.")
                : line;
        }

        var first = PasswordSource.Prompt($"New password for {user}: ")
            ?? throw new CliException($"No password to set: pipe one into stdin (printf '%s\\n' \"$PASSWORD\" | lifeboat user password {user}) or run on a terminal to be asked.");
        if (first.Length == 0)
            throw new CliException("The password is empty; nothing was changed.");
        if (PasswordSource.Prompt("Repeat the password: ") != first)
            throw new CliException("The two passwords differ; nothing was changed.");
        return first;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List the users and their roles.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var users = await client.ListUsersAsync(ct);
            if (console.Json)
            {
                console.WriteJson(users, ContractsJsonContext.Default.ListUserView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("User", CliTable.Kind.Key, keep: 9).Column("Role", CliTable.Kind.Key, keep: 8).Column("Created", CliTable.Kind.Key, keep: 6).Column("By", CliTable.Kind.Key, keep: 5);
            foreach (var user in users)
                table.Row(Markup.Escape(user.Name), user.Role, JobText.Time(user.CreatedAt), Markup.Escape(user.CreatedBy));
            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }
}
