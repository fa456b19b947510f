using Lifeboat.Server.Inventory;

namespace Lifeboat.Server.Api;

public sealed record RestorePointView(
    string Id,
    string Vm,
    DateTimeOffset Time,
    string? ParentId,
    string Repository,
    IReadOnlyList<RestorePointDiskView> Disks,
    long LogicalBytes,
    long StoredBytes)
{
    public static RestorePointView From(LocatedRestorePoint located)
    {
        var point = located.RestorePoint;
        return new RestorePointView(point.Id, point.Vm, point.Time, point.ParentId, located.RepositoryPath,
            [.. point.Disks.Select(d => new RestorePointDiskView(d.Index, d.Name, d.Size))], point.LogicalBytes, point.StoredBytes);
    }
}

public sealed record RestorePointDiskView(int Index, string Name, long Size);
