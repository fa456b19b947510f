using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>The image format of the production disk files a VM migrates to.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProductionFormat>))]
public enum ProductionFormat
{
    Raw,
    Qcow2,
}
