using System.Text.Json.Serialization;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The documents only the CLI writes about the server's answers (what a removal printed, a session's outcome…);
/// the server's own documents are <see cref="ContractsJsonContext"/>'s.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(NotifyTestBody))]
[JsonSerializable(typeof(NotifyRemovedJson))]
[JsonSerializable(typeof(RepositoryUnregisteredJson))]
[JsonSerializable(typeof(SessionOutcomeJson))]
[JsonSerializable(typeof(JobRemovedJson))]
[JsonSerializable(typeof(DatastoreRemovedJson))]
[JsonSerializable(typeof(HostRemovedJson))]
[JsonSerializable(typeof(AccountRemovedJson))]
[JsonSerializable(typeof(PasswordSetJson))]
[JsonSerializable(typeof(FilesGetJson))]
internal sealed partial class ServerApiJsonContext : JsonSerializerContext;
