namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>A server's reply: its three-digit code and the text of each of its lines.</summary>
public sealed record SmtpReply(int Code, IReadOnlyList<string> Lines)
{
    public bool IsPositive => Code is >= 200 and < 400;

    public string Text => string.Join(" ", Lines).Trim();
}
