using System.Text.Json.Serialization;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Cli.Commands;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RestoreToVmRequest))]
[JsonSerializable(typeof(RestoreToVmResult))]
internal sealed partial class FilesRestoreJsonContext : JsonSerializerContext;
