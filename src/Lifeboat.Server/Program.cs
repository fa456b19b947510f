using System.CommandLine;
using System.Net.Sockets;
using Lifeboat.Repository;
using Lifeboat.Server.CommandLine;
using Lifeboat.Server.Hosting;

var commandLine = new ServerCommandLine();
var parse = commandLine.Root(ServerArguments.Description).Parse(args);
if (parse.Errors.Count > 0)
{
    Console.Error.WriteLine($"lifeboat-server: {parse.Errors[0].Message}");
    return 2;
}

// --help or --version.
if (parse.Action is not null)
    return await parse.InvokeAsync();

var options = ServerArguments.From(commandLine, parse);

try
{
    var (app, dataLock) = ServerApp.Build(options);
    using (dataLock)
    {
        await app.RunAsync();
    }

    return 0;
}
catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"lifeboat-server: {options.Listen} is taken: another Lifeboat server probably runs there; stop it, or start this one with {commandLine.Listen.Name} {commandLine.Listen.HelpName}.");
    return 1;
}
catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or RepositoryException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"lifeboat-server: {e.Message}");
    return 1;
}
