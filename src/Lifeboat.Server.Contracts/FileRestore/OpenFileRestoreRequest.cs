namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>The body of <c>POST /api/file-restores</c>.</summary>
/// <param name="Vm">The VM whose restore point to browse.</param>
/// <param name="RestorePoint">A restore point id (or its start), or <c>latest</c>; null is latest.</param>
public sealed record OpenFileRestoreRequest(string Vm, string? RestorePoint);
