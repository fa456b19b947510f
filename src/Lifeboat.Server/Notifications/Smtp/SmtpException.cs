namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>A submission failed: one sentence naming the relay and what went wrong.</summary>
public sealed class SmtpException(string message, Exception? inner = null) : Exception(message, inner);
