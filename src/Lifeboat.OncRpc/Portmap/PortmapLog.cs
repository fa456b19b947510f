using Lifeboat.OncRpc.Peers;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Portmap;

internal static partial class PortmapLog
{
    [LoggerMessage(101, LogLevel.Warning, "Portmap {Procedure} of program {Program} v{Version} from {Remote} refused: only root on this machine (a reserved port, root's socket or uid 0) may change mappings")]
    public static partial void NotPrivileged(ILogger logger, PortmapProcedure procedure, uint program, uint version, RpcPeer remote);

    [LoggerMessage(102, LogLevel.Information, "Portmap mapping set: program {Program} v{Version} {Protocol} port {Port}")]
    public static partial void MappingSet(ILogger logger, uint program, uint version, PortmapProtocol protocol, uint port);

    [LoggerMessage(103, LogLevel.Information, "Portmap mappings removed for program {Program} v{Version}")]
    public static partial void MappingUnset(ILogger logger, uint program, uint version);

    [LoggerMessage(104, LogLevel.Warning, "Portmap mapping for program {Program} v{Version} refused: the table already holds {MaxMappings} mappings")]
    public static partial void TableFull(ILogger logger, uint program, uint version, int maxMappings);
}
