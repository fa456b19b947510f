using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Sessions;

[JsonConverter(typeof(JsonStringEnumConverter<MigrationMethod>))]
public enum MigrationMethod
{
    /// <summary>QMP blockdev-mirror to the production files, then pivot: the VM never stops.</summary>
    Mirror,

    /// <summary>Copy backup and cache while the VM runs, pause it for the blocks changed meanwhile, switch.</summary>
    Quick,
}
