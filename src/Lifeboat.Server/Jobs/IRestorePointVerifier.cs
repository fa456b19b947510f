namespace Lifeboat.Server.Jobs;

/// <summary>Starts the boot verification of a restore point a job run made; the verification runs on by itself.</summary>
public interface IRestorePointVerifier
{
    /// <summary>Returns the verification's session id.</summary>
    /// <exception cref="ArgumentException">The server refused the verification (the message says why).</exception>
    /// <param name="host">The host it boots on; null: the local QEMU host.</param>
    string StartBootVerification(string vm, string restorePointId, string? host);
}
