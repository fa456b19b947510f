using System.Text.Json.Serialization;

namespace Lifeboat.Cli.Commands;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ServerApiError))]
[JsonSerializable(typeof(ServerInfoDocument))]
[JsonSerializable(typeof(ServerRepositoryDocument))]
[JsonSerializable(typeof(List<ServerRepositoryDocument>))]
[JsonSerializable(typeof(ServerAddRepositoryRequest))]
[JsonSerializable(typeof(ServerRecoveryRequest))]
[JsonSerializable(typeof(ServerMigrationRequest))]
[JsonSerializable(typeof(SessionDocument))]
[JsonSerializable(typeof(List<SessionDocument>))]
[JsonSerializable(typeof(SessionOutcomeJson))]
[JsonSerializable(typeof(ServerVerificationRequest))]
[JsonSerializable(typeof(VerificationDocument))]
[JsonSerializable(typeof(List<VerificationDocument>))]
internal sealed partial class ServerApiJsonContext : JsonSerializerContext;
