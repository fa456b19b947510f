using System.Text.Json.Serialization;

namespace Lifeboat.MountServer.Publishing;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(PublicationCatalogDocument))]
[JsonSerializable(typeof(PublishedVmDocument))]
internal sealed partial class PublishingJsonContext : JsonSerializerContext;
