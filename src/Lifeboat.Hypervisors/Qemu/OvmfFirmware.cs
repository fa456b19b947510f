namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// The UEFI firmware of a VM: OVMF's code (read-only, shared by every VM) and the template of its variable store,
/// of which each VM gets its own copy (<see cref="QemuVmPaths.EfiVariables"/>) so the boot entries a guest writes
/// stay with it across restarts. The pair must match in size: Debian ships 4 MiB and 2 MiB builds.
/// </summary>
public sealed record OvmfFirmware(string Code, string VariablesTemplate)
{
    /// <summary>Where Debian's <c>ovmf</c> package installs the firmware.</summary>
    public const string DebianFolder = "/usr/share/OVMF";

    public const string DebianPackage = "ovmf";

    private static readonly (string Code, string Variables)[] Pairs =
    [
        ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"),
        ("OVMF_CODE.fd", "OVMF_VARS.fd"),
    ];

    /// <summary>The first matching code and variables pair in <paramref name="folder"/>, or null when there is none.</summary>
    public static OvmfFirmware? Find(string folder = DebianFolder)
    {
        foreach (var (code, variables) in Pairs)
        {
            var codePath = Path.Combine(folder, code);
            var variablesPath = Path.Combine(folder, variables);
            if (File.Exists(codePath) && File.Exists(variablesPath))
            {
                return new OvmfFirmware(codePath, variablesPath);
            }
        }

        return null;
    }

    /// <summary>The VM's own variable store: copied from the template the first time, kept afterwards.</summary>
    public void PrepareVariables(QemuVmPaths paths)
    {
        if (!File.Exists(paths.EfiVariables))
        {
            var temporary = paths.EfiVariables + ".tmp";
            File.Copy(VariablesTemplate, temporary, overwrite: true);
            File.Move(temporary, paths.EfiVariables);
        }
    }
}
