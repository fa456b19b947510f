namespace Lifeboat.Repository.Storage;

/// <summary>Where each file of a repository lives.</summary>
internal sealed class RepositoryLayout
{
    public const string PackExtension = ".pack";
    public const string IndexExtension = ".idx";
    public const string RestorePointExtension = ".rp";
    public const string ProtectionExtension = ".protected";

    public RepositoryLayout(string root)
    {
        Display = root;
        Root = System.IO.Path.GetFullPath(root);
        ConfigPath = System.IO.Path.Combine(Root, "config");
        PacksDirectory = System.IO.Path.Combine(Root, "packs");
        IndexDirectory = System.IO.Path.Combine(Root, "index");
        RestorePointsDirectory = System.IO.Path.Combine(Root, "restore-points");
        TmpDirectory = System.IO.Path.Combine(Root, "tmp");
        LockPath = System.IO.Path.Combine(Root, "lock");
        StagedConfigPath = System.IO.Path.Combine(TmpDirectory, "config");
    }

    /// <summary>The path as the user gave it, for messages.</summary>
    public string Display { get; }

    public string Root { get; }

    public string ConfigPath { get; }

    public string PacksDirectory { get; }

    public string IndexDirectory { get; }

    public string RestorePointsDirectory { get; }

    public string TmpDirectory { get; }

    public string LockPath { get; }

    public string StagedConfigPath { get; }

    public string PackDirectory(string packId) => System.IO.Path.Combine(PacksDirectory, packId[..2]);

    public string PackPath(string packId) => System.IO.Path.Combine(PackDirectory(packId), packId + PackExtension);

    public string IndexPath(string packId) => System.IO.Path.Combine(IndexDirectory, packId + IndexExtension);

    public string StagedIndexPath(string packId) => System.IO.Path.Combine(TmpDirectory, packId + IndexExtension);

    public string RestorePointPath(string id) => System.IO.Path.Combine(RestorePointsDirectory, id + RestorePointExtension);

    public string StagedRestorePointPath(string id) => System.IO.Path.Combine(TmpDirectory, id + RestorePointExtension);

    public string ProtectionPath(string id) => System.IO.Path.Combine(RestorePointsDirectory, id + ProtectionExtension);

    public string StagedProtectionPath(string id) => System.IO.Path.Combine(TmpDirectory, id + ProtectionExtension);
}
