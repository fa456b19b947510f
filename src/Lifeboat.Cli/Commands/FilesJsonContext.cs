using System.Text.Json.Serialization;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Cli.Commands;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OpenFileRestoreRequest))]
[JsonSerializable(typeof(FileRestoreSessionView))]
[JsonSerializable(typeof(List<FileRestoreSessionView>))]
[JsonSerializable(typeof(List<GuestFileSystemView>))]
[JsonSerializable(typeof(GuestFolderView))]
[JsonSerializable(typeof(GuestEntryView))]
[JsonSerializable(typeof(List<GuestEntryView>))]
[JsonSerializable(typeof(FilesGetJson))]
internal sealed partial class FilesJsonContext : JsonSerializerContext;
