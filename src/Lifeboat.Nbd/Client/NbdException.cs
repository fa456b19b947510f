using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// An NBD request or connection failed. <see cref="Error"/> is the server's error for a refused request, or
/// <see cref="NbdError.None"/> when the connection itself failed (then every request in flight fails too).
/// </summary>
public sealed class NbdException : IOException
{
    public NbdException(string message, string exportName, NbdError error = NbdError.None, long? offset = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ExportName = exportName;
        Error = error;
        Offset = offset;
    }

    public string ExportName { get; }

    public NbdError Error { get; }

    /// <summary>Where the failed request started, when the failure belongs to one request.</summary>
    public long? Offset { get; }
}
