using System.Diagnostics;
using System.Diagnostics.Metrics;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Lifeboat.OncRpc.Tests;

/// <summary>The per-procedure counter and latency histogram a program's replies are recorded in.</summary>
public sealed class RpcCallMetricsTests
{
    [Fact]
    public void Names_procedures_as_the_rfc_spells_them_and_tags_unknown_numbers_apart()
    {
        using var meter = new Meter("Lifeboat.Test.Rpc." + Guid.NewGuid().ToString("N"));
        var metrics = RpcCallMetrics.For<PortmapProcedure>(meter, "portmap");
        using var operations = new MetricCollector<long>(meter, "lifeboat.portmap.operations");
        using var duration = new MetricCollector<double>(meter, "lifeboat.portmap.operation.duration");

        var start = Stopwatch.GetTimestamp();
        metrics.Record((uint)PortmapProcedure.GetPort, start);
        metrics.Record((uint)PortmapProcedure.GetPort, start);
        metrics.Record((uint)PortmapProcedure.CallIt, start);
        metrics.Record(99, start);

        var counted = operations.GetMeasurementSnapshot();
        Assert.Equal(4, counted.Count);
        Assert.Equal(2, counted.Count(m => m.Tags[RpcCallMetrics.ProcedureTag] as string == "GETPORT"));
        Assert.Single(counted, m => m.Tags[RpcCallMetrics.ProcedureTag] as string == "CALLIT");
        Assert.Single(counted, m => m.Tags[RpcCallMetrics.ProcedureTag] as string == "unknown");
        Assert.All(counted, m => Assert.Equal(1, m.Value));
        var timed = duration.GetMeasurementSnapshot();
        Assert.Equal(4, timed.Count);
        Assert.All(timed, m => Assert.InRange(m.Value, 0, 60));
        Assert.Equal("s", duration.Instrument!.Unit);
    }

    [Fact]
    public void A_measured_tag_is_the_one_made_at_construction()
    {
        using var meter = new Meter("Lifeboat.Test.Rpc." + Guid.NewGuid().ToString("N"));
        var metrics = new RpcCallMetrics(meter, "mount", ["NULL", "MNT"]);
        using var operations = new MetricCollector<long>(meter, "lifeboat.mount.operations");
        metrics.Record(1, Stopwatch.GetTimestamp());
        metrics.Record(1, Stopwatch.GetTimestamp());
        var tags = operations.GetMeasurementSnapshot().Select(m => m.Tags[RpcCallMetrics.ProcedureTag]).ToArray();
        Assert.Equal(["MNT", "MNT"], tags);
        Assert.Same(tags[0], tags[1]);
    }
}
