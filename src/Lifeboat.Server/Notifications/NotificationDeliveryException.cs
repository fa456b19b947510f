namespace Lifeboat.Server.Notifications;

/// <summary>A channel could not take an event; the message is one sentence that says why and, when it can, what to change.</summary>
public sealed class NotificationDeliveryException(string message, Exception? inner = null) : Exception(message, inner);
