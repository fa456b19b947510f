namespace Lifeboat.Hypervisors.Qemu;

/// <summary>The VM's console as a picture, through QMP <c>screendump</c>; the VM needs a display device (<see cref="QemuVmDescription.Display"/>).</summary>
public static class QemuScreenshot
{
    /// <summary>Saves the console as a PNG at <paramref name="pngPath"/>.</summary>
    /// <exception cref="QmpException">QEMU has no picture to give (no display device).</exception>
    public static async Task TakeAsync(QemuVm vm, string pngPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var ppm = Path.Combine(vm.Paths.RuntimeDirectory, "screendump.ppm");
        try
        {
            await vm.Qmp.ExecuteAsync("screendump", new System.Text.Json.Nodes.JsonObject { ["filename"] = ppm }, cancellationToken).ConfigureAwait(false);
            PngImage.ConvertPpm(ppm, pngPath);
        }
        finally
        {
            File.Delete(ppm);
        }
    }
}
