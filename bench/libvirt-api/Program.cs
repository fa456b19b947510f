using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;
using Lifeboat.Hypervisors.Libvirt;

// The same operations, domain state then a guest agent ping, OPERATIONS times, through virsh (a process and a
// connection per command, as Lifeboat used it) and through one LibvirtConnection, over qemu+tcp to a second libvirt
// host in a network namespace on this machine, with the test guest running there. Rounds alternate the order.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: LibvirtApiBench GUEST-FOLDER RESULTS-FILE [OPERATIONS] [ROUNDS]");
    return 2;
}

var guestRaw = Path.Combine(args[0], "guest.raw");
var resultsFile = args[1];
var operations = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
const string Domain = "lifeboat-api-bench";
const string Ping = """{"execute":"guest-ping"}""";

await using var host = await LibvirtTestHost.StartAsync();
var overlay = host.Combine("bench.qcow2");
await Tools.RunCheckedAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", guestRaw, "-F", "raw", overlay);
using var connection = await LibvirtConnection.OpenAsync(host.TcpUri);
using var domain = connection.CreateTransient($"""
    <domain type='qemu'>
      <name>{Domain}</name>
      <memory unit='MiB'>256</memory>
      <sysinfo type='fwcfg'><entry name='opt/lifeboat/mode'>stay</entry></sysinfo>
      <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
      <features><acpi/></features>
      <devices>
        <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{SecurityElement.Escape(overlay)}'/><target dev='vda' bus='virtio'/></disk>
        <serial type='pty'><target port='0'/></serial>
        <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
      </devices>
    </domain>
    """, 0);
var booted = Stopwatch.StartNew();
while (true)
{
    try
    {
        domain.AgentCommand(Ping, 2);
        break;
    }
    catch (LibvirtException) when (booted.Elapsed < TimeSpan.FromMinutes(4))
    {
        await Task.Delay(500);
    }
}

Console.Error.WriteLine($"guest agent answers after {booted.Elapsed.TotalSeconds:0.0} s; {rounds} rounds of {operations} × (state + agent ping)");
var virshTimes = new List<double>();
var apiTimes = new List<double>();
for (var round = 0; round < rounds; round++)
{
    foreach (var viaApi in round % 2 == 0 ? new[] { false, true } : [true, false])
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < operations; i++)
        {
            if (viaApi)
            {
                if (domain.State() != LibvirtDomainState.Running)
                    throw new InvalidOperationException("The bench guest stopped.");
                domain.AgentCommand(Ping, 10);
            }
            else
            {
                var state = await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "domstate", Domain);
                if (!state.Contains("running", StringComparison.Ordinal))
                    throw new InvalidOperationException("The bench guest stopped.");
                await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "qemu-agent-command", Domain, Ping);
            }
        }

        (viaApi ? apiTimes : virshTimes).Add(clock.Elapsed.TotalSeconds);
        Console.Error.WriteLine($"round {round + 1}: {(viaApi ? "C API" : "virsh")} {clock.Elapsed.TotalSeconds:0.000} s");
    }
}

domain.Destroy();
static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
var report = new StringBuilder()
    .AppendLine(CultureInfo.InvariantCulture, $"# virsh against libvirt's C API ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"{operations} × (domain state + guest agent ping) over {host.TcpUri} (a second libvirtd in a network namespace on this machine, veth), TCG guest running; {rounds} rounds, order alternating; {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end.")
    .AppendLine()
    .AppendLine("| way | seconds (median [min-max]) | ms per operation pair | ratio to the C API |")
    .AppendLine("| --- | --- | --- | --- |");
foreach (var (name, times) in new[] { ("virsh (2 processes per pair)", virshTimes), ("LibvirtConnection (one connection)", apiTimes) })
{
    report.AppendLine(CultureInfo.InvariantCulture,
        $"| {name} | {Median(times):0.000} [{times.Min():0.000}-{times.Max():0.000}] | {Median(times) * 1000 / operations:0.00} | {Median(times) / Median(apiTimes):0.0} |");
}

File.WriteAllText(resultsFile, report.ToString());
Console.Write(report);
return 0;
