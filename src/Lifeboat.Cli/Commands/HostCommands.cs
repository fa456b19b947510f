using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Output;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Server.Contracts.Hosts;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat hosts` and `lifeboat host add NAME --connect URI | remove NAME`: the hypervisor hosts VMs are recovered
/// onto, the embedded local QEMU host first.
/// </summary>
internal static class HostCommands
{
    public static Command CreateList()
    {
        var command = new Command("hosts", "List the hypervisor hosts: reachable or why not, libvirt and QEMU versions, KVM or TCG, CPUs, free memory, block drivers, Lifeboat's VMs there.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var hosts = await client.ListHostsAsync(ct);
            if (console.Json)
            {
                console.WriteJson(hosts, ContractsJsonContext.Default.ListHostView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Host", CliTable.Kind.Key, keep: 9).Column("Connection", CliTable.Kind.Key, keep: 8).Column("State", keep: 7)
                .Column("Versions", keep: 1).Column("CPUs", CliTable.Kind.Number, keep: 3).Column("Free memory", keep: 4)
                .Column("Drivers", keep: 0).Column("Mount server at", CliTable.Kind.Key, keep: 2).Column("Lifeboat VMs", keep: 5);
            foreach (var host in hosts)
            {
                table.Row(
                    Markup.Escape(host.Name) + (host.BuiltIn ? " [grey](built in)[/]" : ""),
                    Markup.Escape(host.Connection),
                    host.Reachable ? $"[green]reachable[/] ({Markup.Escape(host.Accelerator?.ToUpperInvariant() ?? "?")})" : $"[red]unreachable[/]: {Markup.Escape(host.Problem ?? "")}",
                    Markup.Escape(Versions(host)),
                    host.Cpus.ToString(CultureInfo.InvariantCulture),
                    host.Reachable ? $"{host.MemoryFreeMiB.ToString("N0", CultureInfo.InvariantCulture)} of {host.MemoryTotalMiB.ToString("N0", CultureInfo.InvariantCulture)} MiB" : "",
                    Markup.Escape(Drivers(host)),
                    Markup.Escape(host.MountServerAddress ?? "this machine"),
                    Markup.Escape(string.Join(", ", host.LifeboatVms)));
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Create()
    {
        var host = new Command("host", "Add or remove a libvirt host VMs can be recovered onto (admin).");
        host.Subcommands.Add(CreateAdd());
        host.Subcommands.Add(CreateRemove());
        return host;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("NAME") { Description = "The host's name in Lifeboat: a letter, then letters, digits, '.', '_' or '-'." };
        var connect = new Option<string>("--connect")
        {
            Description = "libvirt's connection URI: qemu:///system, or qemu+tcp://, qemu+tls:// or qemu+ssh://[USER@]HOST[:PORT]/system (TLS: ?pkipath=DIR of cacert.pem, clientcert.pem, clientkey.pem).",
            Required = true,
        };
        var address = new Option<string?>("--mount-server-address")
        {
            Description = "The address of this machine the host reaches the mount server at (default: the one this machine's route to the host leaves from).",
        };
        var command = new Command("add", "Add a libvirt host once it answers: `lifeboat instant-recover --host NAME` then runs VMs there.") { name, connect, address };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            // Checked here too, so that a URI libvirt cannot take is refused naming the flag, not the server's field.
            if (!LibvirtUri.TryValidate(parse.GetValue(connect), "--connect", out var uriProblem))
                throw new CliException(uriProblem);
            using var client = new ServerClient();
            var added = await client.AddHostAsync(new AddHostRequest(parse.GetValue(name)!, parse.GetValue(connect)!, parse.GetValue(address)), ct);

            if (console.Json)
            {
                console.WriteJson(added, ContractsJsonContext.Default.HostView);
                return ExitCodes.Ok;
            }

            console.Line($"Host [bold]{Markup.Escape(added.Name)}[/] ({Markup.Escape(added.Hostname ?? added.Connection)}) answers: {Markup.Escape(Versions(added))}, "
                + $"{Markup.Escape(added.Accelerator?.ToUpperInvariant() ?? "?")}, {added.Cpus} CPUs, {added.MemoryFreeMiB.ToString("N0", CultureInfo.InvariantCulture)} MiB free; "
                + $"block drivers {Markup.Escape(Drivers(added))}; it reaches the mount server at {Markup.Escape(added.MountServerAddress ?? "this machine")}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("NAME") { Description = "The host, as `lifeboat hosts` lists it." };
        var command = new Command("remove", "Remove an added host; what runs there stays.") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var hostName = parse.GetValue(name)!;
            using var client = new ServerClient();
            await client.RemoveHostAsync(hostName, ct);
            if (console.Json)
                console.WriteJson(new HostRemovedJson(hostName), ServerApiJsonContext.Default.HostRemovedJson);
            else
                console.Line($"Removed host [bold]{Markup.Escape(hostName)}[/]; what runs there stays.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Versions(HostView host) =>
        host.LibvirtVersion is null && host.QemuVersion is null ? ""
            : string.Join(", ", new[] { host.LibvirtVersion is { } l ? $"libvirt {l}" : null, host.QemuVersion is { } q ? $"QEMU {q}" : null }.Where(v => v is not null));

    private static string Drivers(HostView host) =>
        string.Join(" ", new[] { ("nfs", host.NfsDriver), ("nbd", host.NbdDriver) }.Select(d => d.Item2 switch { true => d.Item1, false => $"no-{d.Item1}", null => $"{d.Item1}?" }));
}
