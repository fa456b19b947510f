using System.Net;
using Lifeboat.Nbd.Server;
using Lifeboat.NbdFileServer;
using Microsoft.Extensions.Logging;

// Serves one raw file over NBD with Lifeboat's server, for bench/nbd-peers/run.sh:
//   Lifeboat.NbdFileServer FILE PORT [EXPORT-NAME [CERT-PEM KEY-PEM]]
// With a certificate and key the server requires TLS (nbds://). Runs until stdin closes or SIGTERM.
if (args.Length is < 2 or 4 or > 5 || !int.TryParse(args[1], out var port))
{
    Console.Error.WriteLine("usage: Lifeboat.NbdFileServer FILE PORT [EXPORT-NAME [CERT-PEM KEY-PEM]]");
    return 2;
}

using var device = new FileBlockDevice(args[0], readOnly: false);
var exports = new NbdExportTable();
exports.Set(args.Length > 2 ? args[2] : "disk", device);
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
var options = new NbdServerOptions
{
    EndPoint = new IPEndPoint(IPAddress.Loopback, port),
    Tls = args.Length == 5 ? NbdTlsOptions.FromPemFiles(args[3], args[4]) : null,
};
await using var server = new NbdServer(exports, options, loggers.CreateLogger<NbdServer>());
server.Start();
Console.WriteLine($"listening on {server.LocalEndPoint}");

using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

return 0;
