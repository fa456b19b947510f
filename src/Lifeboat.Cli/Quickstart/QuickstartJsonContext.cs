using System.Text.Json.Serialization;

namespace Lifeboat.Cli.Quickstart;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(QuickstartReport))]
internal sealed partial class QuickstartJsonContext : JsonSerializerContext;
