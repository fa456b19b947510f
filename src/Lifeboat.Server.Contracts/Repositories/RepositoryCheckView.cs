namespace Lifeboat.Server.Contracts.Repositories;

/// <summary>
/// What <c>POST /api/repositories/check?path=</c> found: the repository opens, its config and every restore point's
/// manifest read, and every chunk they name is indexed in a pack file that is there and long enough. No chunk is read
/// (that is a verification of every byte); it takes milliseconds per restore point.
/// </summary>
/// <param name="Problems">One sentence per thing found wrong; empty when <paramref name="Ok"/>.</param>
public sealed record RepositoryCheckView(
    string Path,
    bool Ok,
    int RestorePoints,
    long Chunks,
    int Packs,
    long StoredBytes,
    double Seconds,
    IReadOnlyList<string> Problems);
