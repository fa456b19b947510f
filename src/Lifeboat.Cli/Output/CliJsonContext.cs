using System.Text.Json.Serialization;

namespace Lifeboat.Cli.Output;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(RepositoryJson))]
[JsonSerializable(typeof(BackupJson))]
[JsonSerializable(typeof(RestorePointJson))]
[JsonSerializable(typeof(List<RestorePointJson>))]
[JsonSerializable(typeof(RestoreJson))]
[JsonSerializable(typeof(VerifyJson))]
[JsonSerializable(typeof(RetentionJson))]
[JsonSerializable(typeof(MountServerJson))]
[JsonSerializable(typeof(List<PublicationJson>))]
[JsonSerializable(typeof(UnpublishJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
