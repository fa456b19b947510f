using System.Net.Sockets;
using Lifeboat.Repository;
using Lifeboat.Server.Hosting;

ServerOptions options;
try
{
    options = ServerArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"lifeboat-server: {e.Message}");
    return 2;
}

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
    Console.Error.WriteLine($"lifeboat-server: {options.Listen} is taken: another Lifeboat server probably runs there; stop it, or start this one with --listen HOST:PORT.");
    return 1;
}
catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or RepositoryException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"lifeboat-server: {e.Message}");
    return 1;
}
