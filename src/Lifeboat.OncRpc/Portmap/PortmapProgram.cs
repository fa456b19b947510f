using System.Buffers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.OncRpc.Portmap;

/// <summary>
/// The port mapper, program 100000 version 2 (RFC 1833 section 3), with an in-memory table. SET and UNSET are
/// honoured only from privileged local peers (<see cref="Peers.RpcPeer.IsPrivileged"/>: a reserved port on loopback,
/// root's or the lifeboat group's TCP socket, uid 0 over a unix socket), as rpcbind honours only root's registrations;
/// others get FALSE and a log line. NULL, GETPORT and DUMP answer everyone. CALLIT is not offered.
/// </summary>
public sealed class PortmapProgram : IRpcProgram
{
    public const uint ProgramNumber = 100000;
    public const uint ProgramVersion = 2;

    /// <summary>Bounds the table that local callers can grow.</summary>
    public const int MaxMappings = 1024;

    private readonly Dictionary<(uint Program, uint Version, PortmapProtocol Protocol), uint> _mappings = [];
    private readonly Lock _lock = new();
    private readonly ILogger _logger;

    public PortmapProgram(ILogger<PortmapProgram>? logger = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public uint Program => ProgramNumber;

    public uint LowVersion => ProgramVersion;

    public uint HighVersion => ProgramVersion;

    public RpcCallMetrics Metrics => PortmapMetrics.Calls;

    /// <summary>Adds a mapping; false when (program, version, protocol) is already mapped, the port is not a port, or the table is full.</summary>
    public bool Set(PortmapMapping mapping)
    {
        if (mapping.Port is 0 or > ushort.MaxValue)
        {
            return false;
        }

        lock (_lock)
        {
            if (_mappings.Count >= MaxMappings)
            {
                PortmapLog.TableFull(_logger, mapping.Program, mapping.Version, MaxMappings);
                return false;
            }

            if (!_mappings.TryAdd((mapping.Program, mapping.Version, mapping.Protocol), mapping.Port))
            {
                return false;
            }
        }

        PortmapLog.MappingSet(_logger, mapping.Program, mapping.Version, mapping.Protocol, mapping.Port);
        return true;
    }

    /// <summary>Removes the mappings of (program, version) for every protocol; false when there were none.</summary>
    public bool Unset(uint program, uint version)
    {
        bool removed;
        lock (_lock)
        {
            var keys = _mappings.Keys.Where(k => k.Program == program && k.Version == version).ToArray();
            foreach (var key in keys)
            {
                _mappings.Remove(key);
            }

            removed = keys.Length > 0;
        }

        if (removed)
        {
            PortmapLog.MappingUnset(_logger, program, version);
        }

        return removed;
    }

    /// <summary>The port of (program, version, protocol), or 0 when it is not registered.</summary>
    public uint GetPort(uint program, uint version, PortmapProtocol protocol)
    {
        lock (_lock)
        {
            return _mappings.GetValueOrDefault((program, version, protocol));
        }
    }

    public IReadOnlyList<PortmapMapping> GetMappings()
    {
        lock (_lock)
        {
            return _mappings
                .Select(m => new PortmapMapping(m.Key.Program, m.Key.Version, m.Key.Protocol, m.Value))
                .OrderBy(m => m.Program).ThenBy(m => m.Version).ThenBy(m => m.Protocol)
                .ToArray();
        }
    }

    public ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var writer = new XdrWriter(results);
        var reader = new XdrReader(call.Arguments.Span);
        switch ((PortmapProcedure)call.Procedure)
        {
            case PortmapProcedure.Null:
                break;
            case PortmapProcedure.Set:
            {
                var mapping = PortmapMapping.Read(ref reader);
                writer.WriteBool(MayChange(call, PortmapProcedure.Set, mapping) && Set(mapping));
                break;
            }

            case PortmapProcedure.Unset:
            {
                var mapping = PortmapMapping.Read(ref reader);
                writer.WriteBool(MayChange(call, PortmapProcedure.Unset, mapping) && Unset(mapping.Program, mapping.Version));
                break;
            }

            case PortmapProcedure.GetPort:
            {
                var mapping = PortmapMapping.Read(ref reader);
                writer.WriteUInt32(GetPort(mapping.Program, mapping.Version, mapping.Protocol));
                break;
            }

            case PortmapProcedure.Dump:
                foreach (var mapping in GetMappings())
                {
                    writer.WriteBool(true);
                    mapping.WriteTo(writer);
                }

                writer.WriteBool(false);
                break;
            default:
                return ValueTask.FromResult(RpcAcceptStatus.ProcUnavail);
        }

        return ValueTask.FromResult(RpcAcceptStatus.Success);
    }

    private bool MayChange(RpcCall call, PortmapProcedure procedure, PortmapMapping mapping)
    {
        if (call.Peer.IsLocal && call.Peer.IsPrivileged)
        {
            return true;
        }

        PortmapLog.NotPrivileged(_logger, procedure, mapping.Program, mapping.Version, call.Peer);
        return false;
    }
}
