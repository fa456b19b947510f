using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// Whether a host's QEMU has the nfs and nbd block drivers (nfs is a module, block-nfs.so, that a host may lack): a
/// tiny paused transient domain without disks is asked to blockdev-add one of each at an address where nothing
/// answers. "Unknown driver" means the driver is missing; any other error means QEMU has it and tried to connect.
/// </summary>
internal static class LibvirtDriverProbe
{
    private const int ProbeMemoryMiB = 32;

    /// <summary>Blocks for a QEMU start on the host (about a second); call it once per host and keep the answer.</summary>
    public static (bool? Nfs, bool? Nbd) Probe(LibvirtConnection connection, string domainType)
    {
        var name = "lifeboat-probe-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var xml = $"""
            <domain type='{domainType}'>
              <name>{name}</name>
              <memory unit='MiB'>{ProbeMemoryMiB}</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type></os>
              <devices/>
            </domain>
            """;
        using var domain = connection.CreateTransient(xml, LibvirtDomain.StartPaused | LibvirtDomain.StartAutoDestroy);
        try
        {
            var nfs = Has(domain, new JsonObject
            {
                ["driver"] = "nfs",
                ["node-name"] = "lifeboat-probe-nfs",
                ["server"] = new JsonObject { ["type"] = "inet", ["host"] = "127.0.0.1" },
                ["path"] = "/lifeboat-probe",
            });
            var nbd = Has(domain, new JsonObject
            {
                ["driver"] = "nbd",
                ["node-name"] = "lifeboat-probe-nbd",
                ["server"] = new JsonObject { ["type"] = "unix", ["path"] = "/nonexistent/lifeboat-probe" },
            });
            return (nfs, nbd);
        }
        finally
        {
            domain.Destroy();
        }
    }

    private static bool? Has(LibvirtDomain domain, JsonObject blockdev)
    {
        var reply = JsonNode.Parse(domain.MonitorCommand(new JsonObject { ["execute"] = "blockdev-add", ["arguments"] = blockdev }.ToJsonString()));
        if (reply?["return"] is not null)
            return true; // something answered at that address; the driver is there either way
        var error = reply?["error"]?["desc"]?.GetValue<string>();
        if (error is null)
            return null;
        return !error.Contains("Unknown driver", StringComparison.OrdinalIgnoreCase) && !error.Contains("module", StringComparison.OrdinalIgnoreCase);
    }
}
