using System.CommandLine;

namespace Lifeboat.Cli;

internal static class GlobalOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON document instead of tables and progress bars.",
        Recursive = true,
    };

    public static Option<string> Repository() => new("--repo")
    {
        Description = "The repository folder.",
        Required = true,
    };
}
