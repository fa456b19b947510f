using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Notifications;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat notify add-email NAME …` and `add-webhook NAME …`. Secrets never go on the command line (where `ps` and
/// the shell's history see them): the SMTP password comes from LIFEBOAT_SMTP_PASSWORD, the webhook's secret from
/// LIFEBOAT_WEBHOOK_SECRET, or from a prompt on a terminal.
/// </summary>
internal static class NotifyAddCommands
{
    public const string SmtpPasswordVariable = "LIFEBOAT_SMTP_PASSWORD";
    public const string WebhookSecretVariable = "LIFEBOAT_WEBHOOK_SECRET";

    public static Command CreateEmail()
    {
        var name = Name();
        var host = new Option<string>("--host") { Description = "The SMTP relay's host name or address.", Required = true };
        var security = new Option<string>("--security")
        {
            Description = "none, starttls or tls (implicit TLS); a password is sent only over TLS.",
            DefaultValueFactory = _ => SmtpSecurityModes.StartTls,
        };
        security.AcceptOnlyFromAmong([.. SmtpSecurityModes.All]);
        var port = new Option<int?>("--port") { Description = "The relay's port (default: 587 for starttls, 465 for tls, 25 for none)." };
        var from = new Option<string>("--from") { Description = "The sender's address, such as lifeboat@example.com.", Required = true };
        var to = new Option<string[]>("--to") { Description = "A recipient's address; repeat for each.", Required = true, AllowMultipleArgumentsPerToken = false };
        var user = new Option<string?>("--user") { Description = $"The relay's user; its password comes from {SmtpPasswordVariable} or a prompt." };
        var fingerprint = new Option<string?>("--trust-fingerprint") { Description = "Accept the relay's self-signed certificate by its SHA-256 fingerprint." };
        var caFile = new Option<string?>("--ca-file") { Description = "Accept the relay's certificate signed by the CA in this PEM file (a path on the server's machine)." };
        var (events, disabled) = (Events(), Disabled());
        var command = new Command("add-email", "Add a channel that emails events through an SMTP relay; then try it with `lifeboat notify test NAME`.")
        {
            name, host, security, port, from, to, user, fingerprint, caFile, events, disabled,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var mode = parse.GetValue(security)!;
            var login = parse.GetValue(user);
            var password = login is null ? null : Secret(SmtpPasswordVariable, $"Password of {login} at {parse.GetValue(host)}: ", "--user");
            var caPath = parse.GetValue(caFile) is { } ca ? Path.GetFullPath(ca) : null;
            var settings = new EmailChannelSettings(parse.GetValue(host)!, parse.GetValue(port) ?? SmtpSecurityModes.DefaultPort(mode), mode,
                parse.GetValue(from)!, [.. parse.GetValue(to)!], login, password, parse.GetValue(fingerprint), caPath);
            var request = new NotificationChannelRequest(parse.GetValue(name)!, NotificationChannelKinds.Email, EventsOf(parse, events), !parse.GetValue(disabled), Email: settings);
            return await AddAsync(request, console, ct);
        });
        return command;
    }

    public static Command CreateWebhook()
    {
        var name = Name();
        var url = new Option<string>("--url") { Description = "Where each event is POSTed as JSON (http:// or https://); redirects are not followed.", Required = true };
        var (events, disabled) = (Events(), Disabled());
        var command = new Command("add-webhook",
            $"Add a channel that POSTs events as signed JSON; the shared secret comes from {WebhookSecretVariable} or a prompt (the README shows how a receiver checks the signature).")
        {
            name, url, events, disabled,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var secret = Secret(WebhookSecretVariable, "The webhook's shared secret (16 characters or more): ", null);
            var request = new NotificationChannelRequest(parse.GetValue(name)!, NotificationChannelKinds.Webhook, EventsOf(parse, events), !parse.GetValue(disabled),
                Webhook: new WebhookChannelSettings(parse.GetValue(url)!, secret));
            return await AddAsync(request, console, ct);
        });
        return command;
    }

    private static async Task<int> AddAsync(NotificationChannelRequest request, CliConsole console, CancellationToken ct)
    {
        using var client = new ServerClient();
        var added = await client.AddChannelAsync(request, ct);
        if (console.Json)
        {
            console.WriteJson(added, ContractsJsonContext.Default.NotificationChannelView);
            return ExitCodes.Ok;
        }

        console.Line($"Added channel [bold]{Markup.Escape(added.Name)}[/] ({Markup.Escape(added.Target)}) for {Markup.Escape(string.Join(", ", added.Events))}"
            + $"{(added.Enabled ? "" : ", disabled")}; try it with `lifeboat notify test {Markup.Escape(added.Name)}`.");
        return ExitCodes.Ok;
    }

    private static Argument<string> Name() => new("NAME") { Description = "The channel's name: a letter, then letters, digits, '.', '_' or '-'." };

    private static Option<string[]> Events() => new("--events")
    {
        Description = $"The events it hears of, repeated or comma-separated: {string.Join(", ", NotificationKinds.All)} (default: all).",
        AllowMultipleArgumentsPerToken = false,
    };

    private static Option<bool> Disabled() => new("--disabled") { Description = "Add it disabled: it hears of nothing until enabled (a test still reaches it)." };

    private static List<NotificationKind> EventsOf(ParseResult parse, Option<string[]> events)
    {
        var given = parse.GetValue(events) ?? [];
        var chosen = given.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var unknown = chosen.Where(e => !NotificationKinds.All.Any(k => k.ToString() == e)).ToList();
        if (unknown.Count > 0)
            throw new CliException($"--events {string.Join(",", unknown)} is not an event; give any of {string.Join(", ", NotificationKinds.All)}.");
        return chosen.Count == 0 ? [.. NotificationKinds.All] : [.. NotificationKinds.All.Where(k => chosen.Contains(k.ToString(), StringComparer.Ordinal))];
    }

    private static string Secret(string variable, string prompt, string? withFlag)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment)
            return fromEnvironment;
        return PasswordSource.Prompt(prompt)
            ?? throw new CliException($"Set {variable}{(withFlag is null ? "" : $" (the password of {withFlag})")}, or run on a terminal to be asked; a secret never goes on the command line.");
    }
}
