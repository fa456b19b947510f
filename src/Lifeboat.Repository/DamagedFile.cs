namespace Lifeboat.Repository;

/// <summary>A repository file (index or restore point) that cannot be read.</summary>
public sealed record DamagedFile(string Path, string Reason);
