using System.Diagnostics.Metrics;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.OncRpc.Portmap;

/// <summary>portmap's calls by procedure, on the <c>Lifeboat.OncRpc</c> meter.</summary>
internal static class PortmapMetrics
{
    public static readonly Meter Meter = new("Lifeboat.OncRpc");

    public static readonly RpcCallMetrics Calls = RpcCallMetrics.For<PortmapProcedure>(Meter, "portmap");
}
