using Lifeboat.Repository;

namespace Lifeboat.Cli;

/// <summary>The repository password comes from LIFEBOAT_PASSWORD or, on a terminal, a prompt; it is never logged or stored.</summary>
internal static class PasswordSource
{
    public const string EnvironmentVariable = "LIFEBOAT_PASSWORD";

    public static string? ForOpen(string repositoryPath)
    {
        if (!BackupRepository.IsEncrypted(repositoryPath))
            return null;
        return FromEnvironment() ?? Prompt($"Password for repository {repositoryPath}: ")
            ?? throw new CliException($"Repository '{repositoryPath}' is encrypted: set {EnvironmentVariable} or run on a terminal to be asked.");
    }

    public static string ForInit(string repositoryPath)
    {
        var password = FromEnvironment();
        if (password is not null)
            return password;
        var first = Prompt($"New password for repository {repositoryPath}: ")
            ?? throw new CliException($"--encrypt needs a password: set {EnvironmentVariable} or run on a terminal to be asked.");
        var second = Prompt("Repeat the password: ");
        if (first != second)
            throw new CliException("The two passwords differ; nothing was created.");
        if (first.Length == 0)
            throw new CliException("The password is empty; nothing was created.");
        return first;
    }

    private static string? FromEnvironment() => Environment.GetEnvironmentVariable(EnvironmentVariable);

    /// <summary>Asks on the terminal without echoing; null when stdin or stderr is not a terminal.</summary>
    public static string? Prompt(string prompt)
    {
        if (Console.IsInputRedirected || Console.IsErrorRedirected)
            return null;
        Console.Error.Write(prompt);
        var chars = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (chars.Length > 0)
                    chars.Length--;
                continue;
            }
            chars.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return chars.ToString();
    }
}
