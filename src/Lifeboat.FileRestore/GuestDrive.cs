namespace Lifeboat.FileRestore;

/// <summary>
/// One disk of a restore point as the appliance reads it: an NBD export of the mount server, read-only
/// (<c>nbd+unix:///EXPORT?socket=PATH</c> or <c>nbd://HOST:PORT/EXPORT</c>). Drive N is the guest's <c>sd</c> + the Nth letter.
/// </summary>
/// <param name="NbdUrl">The export's URL.</param>
/// <param name="LastDamagedBlock">
/// The newest block of this disk the mount server failed to read from the backup (damaged or missing chunk), or null;
/// a download that fails with an I/O error names the block it finds here.
/// </param>
public sealed record GuestDrive(string NbdUrl, Func<DamagedBlock?>? LastDamagedBlock = null);
