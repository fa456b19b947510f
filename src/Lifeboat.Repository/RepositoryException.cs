namespace Lifeboat.Repository;

/// <summary>A repository operation failed; the message is one sentence that says what to do.</summary>
public class RepositoryException : Exception
{
    public RepositoryException(string message)
        : base(message)
    {
    }

    public RepositoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RepositoryException(string message, RepositoryRemedy remedy, Exception? innerException = null)
        : base(message, innerException) => Remedy = remedy;

    /// <summary>What fixes it, as a front end with commands names it; the message says it in words.</summary>
    public RepositoryRemedy Remedy { get; }
}
