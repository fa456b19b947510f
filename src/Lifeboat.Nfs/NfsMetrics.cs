using System.Diagnostics.Metrics;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.Nfs;

/// <summary>The <c>Lifeboat.Nfs</c> meter: NFS and MOUNT calls by procedure, and the bytes READ and WRITE moved.</summary>
internal static class NfsMetrics
{
    public static readonly Meter Meter = new("Lifeboat.Nfs");

    public static readonly RpcCallMetrics Nfs = RpcCallMetrics.For<Nfs3Proc>(Meter, "nfs");

    public static readonly RpcCallMetrics Mount = RpcCallMetrics.For<MountProc3>(Meter, "mount");

    public static readonly Counter<long> BytesRead = Meter.CreateCounter<long>("lifeboat.nfs.read", "By", "Bytes of file data NFS READ replies carried.");

    public static readonly Counter<long> BytesWritten = Meter.CreateCounter<long>("lifeboat.nfs.write", "By", "Bytes of file data NFS WRITE calls stored.");
}
