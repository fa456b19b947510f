namespace Lifeboat.Server.Notifications;

/// <summary>The fields of a channel's settings, as the REST body and the console's form name them.</summary>
public static class ChannelField
{
    public const string Name = "name";
    public const string Kind = "kind";
    public const string Events = "events";
    public const string Host = "email.host";
    public const string Port = "email.port";
    public const string Security = "email.security";
    public const string From = "email.from";
    public const string To = "email.to";
    public const string User = "email.user";
    public const string Password = "email.password";
    public const string TrustedFingerprint = "email.trustedFingerprint";
    public const string CaFile = "email.caFile";
    public const string Url = "webhook.url";
    public const string Secret = "webhook.secret";
}

/// <summary>A channel's settings refused: every problem at once, each with its field (one of <see cref="ChannelField"/>).</summary>
public sealed class InvalidChannelException(IReadOnlyList<FieldProblem> problems) : InvalidFieldsException(problems);
