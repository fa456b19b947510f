namespace Lifeboat.EndToEnd.Tests;

/// <summary>A published restore point as `lifeboat mount-server --json` reports it.</summary>
internal sealed record Publication(string Name, string RestorePointId, IReadOnlyList<string> DiskUrls, IReadOnlyList<string> DiskUrlsWithPorts);
