using Lifeboat.Repository;

namespace Lifeboat.Cli;

/// <summary>A repository's refusal as the CLI says it: the library's sentence, and the command that fixes it.</summary>
internal static class RepositoryRemedies
{
    public static string Sentence(RepositoryException refused) => Command(refused.Remedy) is { } command
        ? $"{refused.Message.TrimEnd('.')} (`{command}`)."
        : refused.Message;

    private static string? Command(RepositoryRemedy remedy) => remedy switch
    {
        RepositoryRemedy.Initialize => "lifeboat repo init",
        RepositoryRemedy.Backup => "lifeboat backup",
        RepositoryRemedy.ListRestorePoints => "lifeboat restore-points",
        RepositoryRemedy.Verify => "lifeboat verify",
        RepositoryRemedy.ContinueOnError => "lifeboat restore --continue-on-error",
        _ => null,
    };
}
