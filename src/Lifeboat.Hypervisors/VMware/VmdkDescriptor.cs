using System.Globalization;
using System.Text;

namespace Lifeboat.Hypervisors.VMware;

/// <summary>
/// A VMDK text descriptor for a monolithic flat extent: `diskN.vmdk` pointing at `diskN-flat.vmdk`, which an ESXi
/// host reads as a plain raw disk. Sizes are in 512-byte sectors; the geometry is the one VMware computes
/// for its own flat disks (255 heads, 63 sectors per track).
/// </summary>
public static class VmdkDescriptor
{
    public const int SectorSize = 512;

    public static string Create(string flatFileName, long diskBytes, string adapterType = "lsilogic")
    {
        var sectors = (diskBytes + SectorSize - 1) / SectorSize;
        var cylinders = Math.Min(sectors / (255 * 63), 65535);
        var cid = (uint)(flatFileName.GetHashCode(StringComparison.Ordinal) ^ diskBytes.GetHashCode());
        var text = new StringBuilder()
            .Append("# Disk DescriptorFile\n")
            .Append("version=1\n")
            .Append(CultureInfo.InvariantCulture, $"CID={cid:x8}\n")
            .Append("parentCID=ffffffff\n")
            .Append("createType=\"vmfs\"\n\n")
            .Append("# Extent description\n")
            .Append(CultureInfo.InvariantCulture, $"RW {sectors} VMFS \"{flatFileName}\"\n\n")
            .Append("# The Disk Data Base\n#DDB\n\n")
            .Append(CultureInfo.InvariantCulture, $"ddb.adapterType = \"{adapterType}\"\n")
            .Append(CultureInfo.InvariantCulture, $"ddb.geometry.cylinders = \"{Math.Max(cylinders, 1)}\"\n")
            .Append("ddb.geometry.heads = \"255\"\n")
            .Append("ddb.geometry.sectors = \"63\"\n")
            .Append("ddb.virtualHWVersion = \"14\"\n");
        return text.ToString();
    }
}
