using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Security;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat token create|revoke|list`: API tokens for the CLI and scripts (admin only).</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var token = new Command("token", "Create, revoke and list API tokens (needs an admin token).");
        token.Subcommands.Add(CreateCreate());
        token.Subcommands.Add(CreateRevoke());
        token.Subcommands.Add(CreateList());
        return token;
    }

    private static Command CreateCreate()
    {
        var name = new Argument<string>("NAME") { Description = "What the token is for, such as backup-script: a letter, then letters, digits, '.', '_' or '-'." };
        var role = RoleOption.Create("token");
        var command = new Command("create", "Create a token and print it once; give it to the CLI as LIFEBOAT_TOKEN.") { name, role };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var created = await client.CreateTokenAsync(new CreateTokenRequest(parse.GetValue(name)!, parse.GetValue(role)!), ct);
            if (console.Json)
            {
                console.WriteJson(created, ContractsJsonContext.Default.CreatedTokenView);
                return ExitCodes.Ok;
            }

            console.Line($"Created token [bold]{Markup.Escape(created.Token.Name)}[/] (id {created.Token.Id}, role {created.Token.Role}); it is shown only now:");
            console.Line(Markup.Escape(created.Secret));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRevoke()
    {
        var nameOrId = new Argument<string>("NAME|ID") { Description = "The token, by name or id as `lifeboat token list` shows it." };
        var command = new Command("revoke", "Revoke a token: every call with it is refused from now on.") { nameOrId };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var key = parse.GetValue(nameOrId)!;
            using var client = new ServerClient();
            await client.RevokeTokenAsync(key, ct);
            if (console.Json)
                console.WriteJson(new AccountRemovedJson("token", key), ServerApiJsonContext.Default.AccountRemovedJson);
            else
                console.Line($"Revoked token [bold]{Markup.Escape(key)}[/].");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List the tokens (never their secrets), revoked ones too.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var tokens = await client.ListTokensAsync(ct);
            if (console.Json)
            {
                console.WriteJson(tokens, ContractsJsonContext.Default.ListTokenView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Id", CliTable.Kind.Number, keep: 9).Column("Token", CliTable.Kind.Key, keep: 8).Column("Role", CliTable.Kind.Key, keep: 7)
                .Column("By", CliTable.Kind.Key, keep: 3).Column("Created", CliTable.Kind.Key, keep: 4).Column("Last used", CliTable.Kind.Key, keep: 5)
                .Column("Revoked", CliTable.Kind.Key, keep: 6);
            foreach (var token in tokens)
            {
                table.Row(token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(token.Name), token.Role, Markup.Escape(token.CreatedBy),
                    JobText.Time(token.CreatedAt), JobText.Time(token.LastUsedAt), token.RevokedAt is { } revoked ? $"[red]{JobText.Time(revoked)}[/]" : "-");
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }
}
