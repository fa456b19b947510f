namespace Lifeboat.Testing.Files;

/// <summary>Where the Lifeboat checkout is: tests find the guest builder and the cached disks under it.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder holding Lifeboat.slnx above the test binaries, or LIFEBOAT_REPO.</summary>
    public static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Lifeboat.slnx")))
                return folder.FullName;
        }

        return Environment.GetEnvironmentVariable("LIFEBOAT_REPO")
            ?? throw new InvalidOperationException("Cannot find Lifeboat.slnx above the test binaries; set LIFEBOAT_REPO to the repository.");
    }
}
