namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>
/// A check a verification runs inside the booted guest through its guest agent: a shell command (<c>/bin/sh -c</c>)
/// or a script given whole (fed to <c>/bin/sh -s</c>). It passes when it exits with 0.
/// </summary>
public sealed record VerificationCheck
{
    public const int MaxChecks = 16;
    public const int MaxCommandLength = 4096;

    public required string Name { get; init; }

    public string? Command { get; init; }

    public string? Script { get; init; }
}
