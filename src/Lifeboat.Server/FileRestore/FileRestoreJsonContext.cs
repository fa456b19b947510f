using System.Text.Json.Serialization;

namespace Lifeboat.Server.FileRestore;

[JsonSerializable(typeof(string[]))]
internal sealed partial class FileRestoreJsonContext : JsonSerializerContext;
