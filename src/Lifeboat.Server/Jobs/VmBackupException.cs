namespace Lifeboat.Server.Jobs;

/// <summary>A backup failed; the message is one sentence that says why and what to do.</summary>
public sealed class VmBackupException(string message, Exception? inner = null) : Exception(message, inner);
