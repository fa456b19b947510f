namespace Lifeboat.Repository;

/// <summary>How a restore treats damage: fail (default), or zero-fill damaged blocks and list them.</summary>
public sealed record RestoreOptions(bool ContinueOnError = false);
