using Lifeboat.Metrics;

namespace Lifeboat.Server.Tests;

/// <summary>BCL instrument names and units as Prometheus names.</summary>
public sealed class PrometheusNamesTests
{
    [Theory]
    [InlineData("lifeboat.nfs.operations", "{operation}", true, "lifeboat_nfs_operations_total")]
    [InlineData("lifeboat.nfs.operation.duration", "s", false, "lifeboat_nfs_operation_duration_seconds")]
    [InlineData("lifeboat.nfs.read", "By", true, "lifeboat_nfs_read_bytes_total")]
    [InlineData("lifeboat.mount_server.hydrated", "By", false, "lifeboat_mount_server_hydrated_bytes")]
    [InlineData("lifeboat.disk.hydration.hit_ratio", "1", false, "lifeboat_disk_hydration_hit_ratio")]
    [InlineData("lifeboat.test.share", "1", false, "lifeboat_test_share_ratio")]
    [InlineData("lifeboat.test.things", "1", true, "lifeboat_test_things_total")]
    [InlineData("lifeboat.sessions", "{session}", false, "lifeboat_sessions")]
    [InlineData("lifeboat.requests_total", null, true, "lifeboat_requests_total")]
    [InlineData("Lifeboat.Odd-Name/x..y", "ms", false, "lifeboat_odd_name_x_y_milliseconds")]
    [InlineData("3d.view", null, false, "_3d_view")]
    public void Follows_the_prometheus_compatibility_rules(string name, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusNames.Metric(name, unit, counter));

    [Theory]
    [InlineData("procedure", "procedure")]
    [InlineData("http.route", "http_route")]
    [InlineData("Disk-Name", "disk_name")]
    public void Labels_keep_letters_digits_and_underscores(string key, string expected) =>
        Assert.Equal(expected, PrometheusNames.Label(key));
}
