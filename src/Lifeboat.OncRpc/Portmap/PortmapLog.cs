using System.Net;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Portmap;

internal static partial class PortmapLog
{
    [LoggerMessage(101, LogLevel.Warning, "Portmap {Procedure} from {Remote} refused: only local callers may change mappings")]
    public static partial void NotLoopback(ILogger logger, PortmapProcedure procedure, IPEndPoint remote);

    [LoggerMessage(102, LogLevel.Information, "Portmap mapping set: program {Program} v{Version} {Protocol} port {Port}")]
    public static partial void MappingSet(ILogger logger, uint program, uint version, PortmapProtocol protocol, uint port);

    [LoggerMessage(103, LogLevel.Information, "Portmap mappings removed for program {Program} v{Version}")]
    public static partial void MappingUnset(ILogger logger, uint program, uint version);

    [LoggerMessage(104, LogLevel.Warning, "Portmap mapping for program {Program} v{Version} refused: the table already holds {MaxMappings} mappings")]
    public static partial void TableFull(ILogger logger, uint program, uint version, int maxMappings);
}
