using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lifeboat.Server.Api;

/// <summary>
/// Every string of every request body, read from JSON: a NUL character is refused there, with the field it is in,
/// before any endpoint sees it. No name, path, URI or password of Lifeboat's may hold one, and a file system API
/// handed one throws.
/// </summary>
public sealed class TextWithoutNul : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(reader.GetString());

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(reader.GetString())!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string? Checked(string? text) =>
        text is not null && text.Contains('\0', StringComparison.Ordinal) ? throw new RefusedJsonText("it holds a NUL character, which no field may") : text;
}

/// <summary>A JSON string the server refuses; the serializer adds the path of its field.</summary>
public sealed class RefusedJsonText(string reason) : JsonException(reason);
