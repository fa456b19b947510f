using Lifeboat.Repository;

namespace Lifeboat.Server.Inventory;

/// <summary>A restore point and the repository that holds it.</summary>
public sealed record LocatedRestorePoint(string RepositoryPath, RestorePointInfo RestorePoint);
