using System.Text.Json;

// Starts the tests' second libvirt host, prints one JSON line saying where it is, and keeps it until standard input
// closes (or SIGTERM/SIGINT), then removes all of it. bench/hosts/hosts_bench.py drives it.
await using var host = await LibvirtTestHost.StartAsync();
var where = new Dictionary<string, string>
{
    ["tcpUri"] = host.TcpUri,
    ["tlsUri"] = host.TlsUri,
    ["localAddress"] = host.LocalAddress.ToString(),
    ["hostAddress"] = host.HostAddress.ToString(),
    ["namespace"] = host.NamespaceName,
    ["folder"] = host.Combine(""),
};
Console.WriteLine(JsonSerializer.Serialize(where));
Console.Out.Flush();

using var stop = new CancellationTokenSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
try
{
    await Console.In.ReadToEndAsync(stop.Token);
}
catch (OperationCanceledException)
{
    // asked to stop by a signal: the host goes below as on end of input
}
