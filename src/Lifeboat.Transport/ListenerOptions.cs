using System.Net;

namespace Lifeboat.Transport;

/// <summary>Where a <see cref="ConnectionListener"/> listens and how many connections it holds.</summary>
/// <param name="ReplaceSocketFile">A unix socket's file left by a process that died is deleted before binding.</param>
public sealed record ListenerOptions(EndPoint EndPoint, int ListenBacklog, int MaxConnections, bool ReplaceSocketFile = false);
