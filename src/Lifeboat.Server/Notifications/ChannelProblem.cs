namespace Lifeboat.Server.Notifications;

/// <summary>What is wrong with one field of a channel's settings, in one sentence.</summary>
/// <param name="Field">One of <see cref="ChannelField"/>.</param>
public sealed record ChannelProblem(string Field, string Message);

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

/// <summary>A channel's settings refused: every problem at once, each with its field.</summary>
public sealed class InvalidChannelException(IReadOnlyList<ChannelProblem> problems)
    : ArgumentException(string.Join(" ", problems.Select(p => p.Message)))
{
    public IReadOnlyList<ChannelProblem> Problems { get; } = problems;
}
