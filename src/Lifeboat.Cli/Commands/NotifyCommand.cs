using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Notifications;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat notify list | add-email | add-webhook | remove | test | deliveries` (admin): where the server tells of
/// failed jobs and verifications, overdue VMs and full repositories.
/// </summary>
internal static class NotifyCommand
{
    public static Command Create()
    {
        var notify = new Command("notify", "Email and webhook channels that hear of failed jobs and verifications, overdue VMs and full repositories (admin).");
        notify.Subcommands.Add(CreateList());
        notify.Subcommands.Add(NotifyAddCommands.CreateEmail());
        notify.Subcommands.Add(NotifyAddCommands.CreateWebhook());
        notify.Subcommands.Add(CreateRemove());
        notify.Subcommands.Add(CreateTest());
        notify.Subcommands.Add(CreateDeliveries());
        return notify;
    }

    private static Command CreateList()
    {
        var command = new Command("list", "List the channels: kind, events, enabled, where they send.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var channels = await client.ListChannelsAsync(ct);
            if (console.Json)
            {
                console.WriteJson(channels, ContractsJsonContext.Default.ListNotificationChannelView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Channel", CliTable.Kind.Key, keep: 9).Column("Kind", keep: 8).Column("On", keep: 7)
                .Column("Events", keep: 5).Column("Sends to", keep: 6);
            foreach (var channel in channels)
            {
                table.Row(Markup.Escape(channel.Name), channel.Kind, channel.Enabled ? "[green]yes[/]" : "[grey]no[/]",
                    Markup.Escape(string.Join(" ", channel.Events)), Markup.Escape(channel.Target));
            }

            table.WriteTo(console);
            if (channels.Count == 0)
                console.Line("No channels yet: add one with `lifeboat notify add-email` or `lifeboat notify add-webhook`.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The channel, as `lifeboat notify list` lists it." };
        var command = new Command("remove", "Remove a channel; its deliveries stay listed.") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var channel = parse.GetValue(name)!;
            using var client = new ServerClient();
            await client.RemoveChannelAsync(channel, ct);
            if (console.Json)
                console.WriteJson(new NotifyRemovedJson(channel), ServerApiJsonContext.Default.NotifyRemovedJson);
            else
                console.Line($"Removed channel [bold]{Markup.Escape(channel)}[/].");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateTest()
    {
        var name = new Argument<string>("NAME") { Description = "The channel, as `lifeboat notify list` lists it." };
        var command = new Command("test", "Send a test message to a channel now and say how the delivery went (exit 1 when it failed).") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var channel = parse.GetValue(name)!;
            using var client = new ServerClient(timeout: TimeSpan.FromSeconds(90));
            var delivery = await client.TestChannelAsync(channel, ct);
            if (console.Json)
                console.WriteJson(delivery, ContractsJsonContext.Default.NotificationDeliveryView);
            else if (delivery.Outcome == NotificationDeliveryOutcomes.Delivered)
                console.Line($"[green]Delivered[/] a test message to channel [bold]{Markup.Escape(channel)}[/].");
            else
                console.Line($"[red]Not delivered[/] to channel [bold]{Markup.Escape(channel)}[/]: {Markup.Escape(delivery.Error ?? "")}");
            return delivery.Outcome == NotificationDeliveryOutcomes.Delivered ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static Command CreateDeliveries()
    {
        var limit = new Option<int>("--limit") { Description = "How many of the newest attempts to list (1 to 1000).", DefaultValueFactory = _ => 20 };
        var command = new Command("deliveries", "List the newest delivery attempts: when, channel, event, outcome and why it failed.") { limit };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > 1000)
                throw new CliException($"--limit {count} is out of range; give 1 to 1000.");
            using var client = new ServerClient();
            var deliveries = await client.ListDeliveriesAsync(count, ct);
            if (console.Json)
            {
                console.WriteJson(deliveries, ContractsJsonContext.Default.ListNotificationDeliveryView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Time", CliTable.Kind.Key, keep: 9).Column("Channel", CliTable.Kind.Key, keep: 8).Column("Event", keep: 6)
                .Column("Outcome", keep: 7).Column("Try", CliTable.Kind.Number, keep: 3).Column("Title or error", keep: 5);
            foreach (var delivery in deliveries)
            {
                var outcome = delivery.Outcome switch
                {
                    NotificationDeliveryOutcomes.Delivered => "[green]delivered[/]",
                    NotificationDeliveryOutcomes.Retrying => "[yellow]retrying[/]",
                    _ => "[red]failed[/]",
                };
                table.Row(CliTime.Format(delivery.At), Markup.Escape(delivery.Channel), delivery.Event.ToString(), outcome,
                    delivery.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(delivery.Error ?? delivery.Title));
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }
}
