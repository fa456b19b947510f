namespace Lifeboat.Server.Sessions;

/// <summary>The Initialization step every session that publishes runs: its write cache's folder has the reserve free.</summary>
internal static class CacheSpace
{
    /// <summary>Returns what it found.</summary>
    /// <exception cref="SessionStepException">The folder has less than the reserve free.</exception>
    public static string Check(SessionRecord session, SessionServices services)
    {
        var folder = session.RedirectWritesTo ?? services.Data.Cache;
        Directory.CreateDirectory(folder);
        var free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
        var reserve = services.Options.CacheReserveBytes;
        if (free < reserve)
        {
            throw new SessionStepException(
                $"The cache folder {folder} has {Mib.Of(free)} MiB free and sessions keep {Mib.Of(reserve)} MiB for the guest's writes; free space there, redirect the VM's writes to a folder with room, or start the server with a smaller cache reserve.");
        }

        return $"{folder}: {Mib.Of(free)} MiB free, {Mib.Of(reserve)} MiB reserved";
    }
}
