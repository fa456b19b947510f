using System.Diagnostics;

namespace Lifeboat.Testing.Processes;

/// <summary>Runs the real `lifeboat` CLI (the built lifeboat.dll next to the tests) as a separate process, as a user would.</summary>
public static class LifeboatProcess
{
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "lifeboat.dll");

    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = Tools.StartInfo("dotnet", [Dll, .. arguments]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return start;
    }

    public static ToolResult Run(params string[] arguments) => Run(null, arguments);

    /// <summary>Runs it to its end (at most <see cref="Tools.DefaultTimeout"/>, then it is killed).</summary>
    public static ToolResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        Tools.RunAsync(StartInfo(environment, arguments), Tools.DefaultTimeout).GetAwaiter().GetResult();
}
