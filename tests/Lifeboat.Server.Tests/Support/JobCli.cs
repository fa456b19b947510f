using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Tests.Support;

/// <summary>The real `lifeboat` CLI pointed at a test's server.</summary>
public sealed class JobCli(ServerProcess server)
{
    private readonly Dictionary<string, string> _environment = new()
    {
        ["LIFEBOAT_SERVER"] = $"127.0.0.1:{server.Port}",
        [ApiTokenFile.TokenVariable] = server.Token,
    };

    internal ToolResult Run(params string[] arguments) => LifeboatProcess.Run(_environment, arguments);

    /// <summary>Runs a verb as in a terminal <paramref name="columns"/> wide (COLUMNS).</summary>
    internal ToolResult RunInColumns(int columns, params string[] arguments) =>
        LifeboatProcess.Run(new Dictionary<string, string>(_environment) { ["COLUMNS"] = columns.ToString(System.Globalization.CultureInfo.InvariantCulture) }, arguments);

    /// <summary>Runs a verb in the time zone <paramref name="timeZone"/> (TZ).</summary>
    internal ToolResult RunInZone(string timeZone, params string[] arguments) =>
        LifeboatProcess.Run(new Dictionary<string, string>(_environment) { ["TZ"] = timeZone }, arguments);

    /// <summary>Runs a verb with --json, checks it succeeded and reads its document.</summary>
    public T RunJson<T>(JsonTypeInfo<T> type, params string[] arguments)
    {
        var result = Run([.. arguments, "--json"]).ShouldSucceed();
        return JsonSerializer.Deserialize(result.Stdout, type) ?? throw new InvalidDataException($"lifeboat {string.Join(' ', arguments)} printed nothing.");
    }
}
