namespace Lifeboat.Cli.Commands;

/// <summary>The <c>VM[@RESTORE_POINT]</c> argument of `lifeboat files`: no restore point is the latest.</summary>
internal sealed record FilesTarget(string Vm, string RestorePoint)
{
    public static FilesTarget Parse(string text)
    {
        var at = text.LastIndexOf('@');
        var (vm, point) = at < 0 ? (text, "latest") : (text[..at], text[(at + 1)..]);
        if (vm.Length == 0)
            throw new CliException($"'{text}' names no VM; write VM or VM@RESTORE_POINT, e.g. web1@latest.");
        return new FilesTarget(vm, point.Length == 0 ? "latest" : point);
    }

    public override string ToString() => $"{Vm}@{RestorePoint}";
}
