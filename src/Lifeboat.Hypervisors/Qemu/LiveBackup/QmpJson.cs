using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>Reading values out of QMP answers without trusting their shape.</summary>
internal static class QmpJson
{
    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static long? Long(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    public static bool? Bool(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? value.GetValue<bool>() : null;
}
