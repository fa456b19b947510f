namespace Lifeboat.Nbd.Client;

/// <summary>The server broke the protocol; the connection cannot be trusted any longer.</summary>
internal sealed class NbdProtocolViolation(string message) : Exception(message);
