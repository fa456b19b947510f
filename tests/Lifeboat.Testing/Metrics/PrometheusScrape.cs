using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Lifeboat.Testing.Metrics;

/// <summary>
/// One scrape of a /metrics endpoint, parsed by the Prometheus project's own Python parser
/// (<c>prometheus_client.parser.text_string_to_metric_families</c>, Debian's python3-prometheus-client): a text it
/// cannot parse fails the test.
/// </summary>
public sealed class PrometheusScrape
{
    // Debian's interpreter, where python3-prometheus-client is installed (an interpreter earlier on PATH may lack it).
    private const string Python = "/usr/bin/python3";

    private readonly Dictionary<string, string> _families;
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples;

    private PrometheusScrape(string text, Dictionary<string, string> families, List<(string, Dictionary<string, string>, double)> samples)
    {
        Text = text;
        _families = families;
        _samples = samples;
    }

    public string Text { get; }

    public static async Task<PrometheusScrape> FetchAsync(HttpClient http, string url)
    {
        using var answer = await http.GetAsync(url);
        var text = await answer.Content.ReadAsStringAsync();
        if (!answer.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {url} answered {(int)answer.StatusCode}: {text}");
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "prometheus-samples.py");
        var start = new ProcessStartInfo(Python, [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(text);
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidDataException($"The Prometheus parser refused the metrics ({error.Result.Trim()}):{Environment.NewLine}{text}");
        using var document = JsonDocument.Parse(output.Result);
        var families = document.RootElement.GetProperty("families").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var samples = document.RootElement.GetProperty("samples").EnumerateArray().Select(s => (
            s.GetProperty("name").GetString()!,
            s.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!),
            ParseValue(s.GetProperty("value").GetString()!))).ToList();
        return new PrometheusScrape(text, families, samples);
    }

    /// <summary>The family's type (counter, gauge, histogram…), or null when the scrape has no such family.</summary>
    public string? TypeOf(string family) => _families.GetValueOrDefault(family);

    /// <summary>The sample's value; 0 when the scrape has none (a series appears at its first measurement).</summary>
    public double Value(string sample, params (string Name, string Value)[] labels)
    {
        foreach (var (name, sampleLabels, value) in _samples)
        {
            if (name == sample && labels.All(l => sampleLabels.GetValueOrDefault(l.Name) == l.Value)
                && sampleLabels.Keys.Count(k => k != "le") == labels.Count(l => l.Name != "le"))
                return value;
        }

        return 0;
    }

    /// <summary>How much the sample grew since <paramref name="before"/>.</summary>
    public double Delta(PrometheusScrape before, string sample, params (string Name, string Value)[] labels) =>
        Value(sample, labels) - before.Value(sample, labels);

    public bool Has(string sample) => _samples.Any(s => s.Name == sample);

    private static double ParseValue(string text) => text switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };
}
