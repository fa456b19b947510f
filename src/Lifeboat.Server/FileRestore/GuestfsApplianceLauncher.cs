using Lifeboat.FileRestore;

namespace Lifeboat.Server.FileRestore;

/// <summary>Starts libguestfs appliances through the engine's FileRestoreAppliances.</summary>
public sealed class GuestfsApplianceLauncher : IApplianceLauncher
{
    public Task<IFileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken) =>
        throw new FileRestoreException("This server was built without the libguestfs engine; file restore is not available.");
}
