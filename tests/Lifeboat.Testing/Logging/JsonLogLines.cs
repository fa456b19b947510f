using System.Text.Json;

namespace Lifeboat.Testing.Logging;

/// <summary>Checks a log written with <c>--log-format json</c>: every line is one JSON object of the console's JSON formatter.</summary>
public static class JsonLogLines
{
    /// <summary>Parses every non-empty line; returns the messages. A line that is not such an object fails the test, naming it.</summary>
    public static IReadOnlyList<string> AssertAllObjects(IEnumerable<string> lines)
    {
        var messages = new List<string>();
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"A log line is not JSON ({e.Message}): {line}");
            }

            using (document)
            {
                var root = document.RootElement;
                Assert.True(root.ValueKind == JsonValueKind.Object, $"A log line is not a JSON object: {line}");
                foreach (var property in new[] { "Timestamp", "LogLevel", "Category", "Message" })
                    Assert.True(root.TryGetProperty(property, out _), $"A log line has no {property}: {line}");
                Assert.True(DateTimeOffset.TryParse(root.GetProperty("Timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _),
                    $"A log line's Timestamp is not a time: {line}");
                messages.Add(root.GetProperty("Message").GetString()!);
            }
        }

        return messages;
    }
}
