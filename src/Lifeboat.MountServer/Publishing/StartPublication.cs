namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// A publication to make when the mount server starts: a VM's restore point (the newest when null), its writes cached
/// under <see cref="RedirectWritesTo"/> when set, or refused when <see cref="ReadOnly"/>.
/// </summary>
public sealed record StartPublication(string Vm, string? RestorePointId, string? RedirectWritesTo = null, bool ReadOnly = false);
