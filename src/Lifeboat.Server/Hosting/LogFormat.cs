namespace Lifeboat.Server.Hosting;

/// <summary>How the server writes its log: one line of text per entry, or one JSON object per line for a log shipper.</summary>
public enum LogFormat
{
    Text,
    Json,
}
