using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Hosting;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Lifeboat server: data in {DataDirectory}, default repository {Repository}, mount server on {NfsEndPoint} (portmap {Portmap})")]
    public static partial void Started(ILogger logger, string dataDirectory, string repository, string nfsEndPoint, string portmap);

    [LoggerMessage(2, LogLevel.Information, "Created the server's own repository in {Repository}")]
    public static partial void RepositoryCreated(ILogger logger, string repository);

    [LoggerMessage(3, LogLevel.Information, "Stopping: file-restore sessions end; sessions pause, their VMs keep running and the next start resumes them")]
    public static partial void Stopping(ILogger logger);
}
