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
}
