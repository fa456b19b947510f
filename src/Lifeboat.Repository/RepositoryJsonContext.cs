using System.Text.Json.Serialization;
using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository;

/// <summary>Source-generated JSON for the config file and manifest headers.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 32)]
[JsonSerializable(typeof(ConfigDocument))]
[JsonSerializable(typeof(ManifestHeader))]
internal sealed partial class RepositoryJsonContext : JsonSerializerContext;
