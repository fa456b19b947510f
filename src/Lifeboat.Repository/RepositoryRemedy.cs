namespace Lifeboat.Repository;

/// <summary>
/// What fixes a <see cref="RepositoryException"/>, beyond its sentence: the library says it in words, and a front end
/// that has a command for it (the CLI) names that command too.
/// </summary>
public enum RepositoryRemedy
{
    None,

    /// <summary>Initialize a repository in the folder.</summary>
    Initialize,

    /// <summary>Back a VM up into the repository.</summary>
    Backup,

    /// <summary>List the repository's restore points.</summary>
    ListRestorePoints,

    /// <summary>Verify the repository: it names every damaged chunk and what it affects.</summary>
    Verify,

    /// <summary>Restore again, zero-filling the damaged blocks.</summary>
    ContinueOnError,
}
